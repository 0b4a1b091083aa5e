
use builtin;
use str;

set edit:completion:arg-completer[stagdb] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'stagdb'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'stagdb'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a store and its first branch, main'
            cand branch 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT'
            cand checkout 'Make a branch the HEAD (served on the store''s head port too)'
            cand snapshot 'Snapshot a branch (HEAD by default), also while it runs'
            cand commit 'Snapshot a branch (HEAD by default), also while it runs'
            cand log 'Show the snapshots of a branch and its ancestors, newest first'
            cand show 'Everything about one branch or snapshot: lineage, space, state, container, version'
            cand reset 'Throw away a branch''s changes: back to a snapshot or its branch point'
            cand rm 'Remove branches: container, dataset and snapshots'
            cand start 'Start branches'' containers'
            cand stop 'Stop branches'' containers'
            cand restart 'Restart branches'' containers'
            cand status 'Show the store, pool, HEAD, Docker engine and anything inconsistent'
            cand doctor 'Check the store and its host; with --fix, repair what is safe to repair'
            cand gc 'Remove expired branches, unused branch points and leftovers of interrupted commands'
            cand protect 'Keep branches from gc and rm'
            cand unprotect 'Let gc and rm remove branches again'
            cand url 'Print a branch''s connection URL'
            cand env 'Print a branch''s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file'
            cand psql 'Run psql connected to a branch'
            cand import 'Make a new root branch from a live server or a dump'
            cand refresh 'Load a root branch''s source again; branches of the old data keep it'
            cand export 'Dump a branch or snapshot to a file or stdout'
            cand diff 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)'
            cand compose 'Print a docker compose override that points a service at a branch'
            cand config 'Show the store''s settings, or change its Docker network'
            cand hook 'Git integration: a post-checkout hook that follows git branches'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'stagdb;init'= {
            cand --pool 'ZFS pool to create the store in [default: the only pool, or "stagdb" with --pool-file]'
            cand --pool-file 'Create the pool first, on a sparse file at PATH (no spare disk needed)'
            cand --size 'Size of the sparse pool file, e.g. 20G'
            cand --dataset 'The store''s root dataset [default: POOL/stagdb]'
            cand --pg-version 'PostgreSQL major version of main'
            cand --image 'Container image template; {major} becomes the PostgreSQL major version'
            cand --ports 'Host ports handed out to branches'
            cand --head-port 'Host port that always serves the HEAD branch'
            cand --listen 'Host address the branches'' ports are published (or listened) on'
            cand --network 'Docker network the branches join (created if missing); containers on it reach a branch by its name, HEAD as stagdb-head'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;branch'= {
            cand --ttl 'Let `stagdb gc` remove the branch after this long, e.g. 8h, 30m, 2d, 1w'
            cand --expires-at 'Let `stagdb gc` remove the branch after this time (RFC 3339, or local YYYY-MM-DD[ HH:MM])'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand -d 'Remove the named branch instead (like stagdb rm)'
            cand --delete 'Remove the named branch instead (like stagdb rm)'
            cand -m 'Rename branch NAME to START''s place: `-m OLD NEW` (or `-m NEW` for HEAD)'
            cand --move 'Rename branch NAME to START''s place: `-m OLD NEW` (or `-m NEW` for HEAD)'
            cand --no-start 'Only create the branch; do not start its container (nor mount its dataset, until it first starts)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;checkout'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand -b 'Create the branch first (from START, default HEAD)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;snapshot'= {
            cand -m 'Message kept with the snapshot'
            cand --message 'Message kept with the snapshot'
            cand --name 'Snapshot name [default: a timestamp]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;commit'= {
            cand -m 'Message kept with the snapshot'
            cand --message 'Message kept with the snapshot'
            cand --name 'Snapshot name [default: a timestamp]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;log'= {
            cand -n 'Show at most N entries'
            cand --max-count 'Show at most N entries'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --graph 'Branches and snapshots as a tree (REF''s whole tree, from its root)'
            cand --all 'With --graph: every tree of the store (every root, imported ones too)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;show'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;reset'= {
            cand --to 'Snapshot to go back to [default: the branch''s newest snapshot, else its branch point]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;rm'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;start'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --all 'Every branch of the store (e.g. after a reboot, or before maintenance)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;stop'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --all 'Every branch of the store (e.g. after a reboot, or before maintenance)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;restart'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --all 'Every branch of the store (e.g. after a reboot, or before maintenance)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;status'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;doctor'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --fix 'Repair what is safe to repair, saying each thing done'
            cand --dry-run 'With --fix: only say what would be done'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;gc'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --dry-run 'Only say what would be removed'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;protect'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;unprotect'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;url'= {
            cand --db 'Database [default: the branch''s default database: an imported one''s own, else postgres]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;env'= {
            cand --db 'Database [default: the branch''s default database: an imported one''s own, else postgres]'
            cand --format 'Output format'
            cand --write 'Write a dotenv file (mode 0600, replaced atomically) instead of printing'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;psql'= {
            cand --db 'Database [default: the branch''s default database]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;import'= {
            cand --pg-version 'PostgreSQL major of the new branch [default: the source''s]; a newer one upgrades'
            cand -j 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]'
            cand --jobs 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]'
            cand --exclude-table-data 'Leave out this table''s rows (pg_dump pattern; repeatable; live sources)'
            cand --scrub 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)'
            cand --load-in 'Where the data is loaded before it is written into the branch [default: auto]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --schema-only 'Only the schema, no rows'
            cand --all-databases 'Every database of the server, not just the URL''s (live sources)'
            cand --physical 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)'
            cand --roles 'Copy the source''s roles (no passwords, no superuser or replication) and keep owners and grants'
            cand --skip-missing-extensions 'Import even when the extensions the source uses are missing in the image'
            cand --force 'Try even when the preflight says the data will not fit in the pool'
            cand --dry-run 'Only run the preflight and say what would be done'
            cand --allow-shell 'Let a plain SQL dump run psql''s backslash commands (\!, \o |...): they run shell commands'
            cand --unscrubbed-blocks-ok 'With --scrub and --load-in disk: accept that the pool''s freed blocks keep the original values'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;refresh'= {
            cand --source 'Load from here instead of the recorded source'
            cand -j 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]'
            cand --jobs 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]'
            cand --exclude-table-data 'Leave out this table''s rows (pg_dump pattern; repeatable; live sources)'
            cand --scrub 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)'
            cand --load-in 'Where the data is loaded before it is written into the branch [default: auto]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --schema-only 'Only the schema, no rows'
            cand --all-databases 'Every database of the server, not just the URL''s (live sources)'
            cand --physical 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)'
            cand --roles 'Copy the source''s roles (no passwords, no superuser or replication) and keep owners and grants'
            cand --skip-missing-extensions 'Import even when the extensions the source uses are missing in the image'
            cand --force 'Try even when the preflight says the data will not fit in the pool'
            cand --dry-run 'Only run the preflight and say what would be done'
            cand --allow-shell 'Let a plain SQL dump run psql''s backslash commands (\!, \o |...): they run shell commands'
            cand --unscrubbed-blocks-ok 'With --scrub and --load-in disk: accept that the pool''s freed blocks keep the original values'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;export'= {
            cand -o 'Write here instead of stdout (required for --format directory)'
            cand --output 'Write here instead of stdout (required for --format directory)'
            cand --format 'Dump format'
            cand -j 'Parallel jobs (directory format only) [default: the number of CPUs]'
            cand --jobs 'Parallel jobs (directory format only) [default: the number of CPUs]'
            cand --db 'Database to dump [default: the branch''s default database]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --all-databases 'Every database, roles included, as plain SQL (pg_dumpall)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;diff'= {
            cand --db 'Database [default: REF''s default database]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --stat 'Per table: row estimates and sizes on both sides, instead of the schema diff'
            cand --exit-code 'Exit with 1 when the schemas differ (like git diff --exit-code)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;compose'= {
            cand -s 'Compose service to point at the branch (repeatable)'
            cand --service 'Compose service to point at the branch (repeatable)'
            cand --db 'Database [default: the branch''s default database]'
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;config'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --unset 'Remove the setting'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;hook'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install 'Install the git post-checkout hook in the repository here'
            cand uninstall 'Remove the hook (and restore a hook it had kept)'
            cand run 'What the hook runs: make BRANCH the HEAD if the store has it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'stagdb;hook;install'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --force 'Keep a foreign hook (as post-checkout.pre-stagdb, run first) instead of refusing'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;hook;uninstall'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;hook;run'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;hook;help'= {
            cand install 'Install the git post-checkout hook in the repository here'
            cand uninstall 'Remove the hook (and restore a hook it had kept)'
            cand run 'What the hook runs: make BRANCH the HEAD if the store has it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'stagdb;hook;help;install'= {
        }
        &'stagdb;hook;help;uninstall'= {
        }
        &'stagdb;hook;help;run'= {
        }
        &'stagdb;hook;help;help'= {
        }
        &'stagdb;completions'= {
            cand --store 'The store''s root dataset [default: the only store on this host]'
            cand --color 'When to use colors (NO_COLOR is honoured for auto)'
            cand --timeout 'Seconds to wait for a branch to accept connections'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand --quiet 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
            cand -y 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand --yes 'Answer yes to confirmations (required for rm and reset without a terminal)'
            cand -v 'Show each zfs command and Docker call on stderr as it runs'
            cand --verbose 'Show each zfs command and Docker call on stderr as it runs'
            cand --timings 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'stagdb;help'= {
            cand init 'Create a store and its first branch, main'
            cand branch 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT'
            cand checkout 'Make a branch the HEAD (served on the store''s head port too)'
            cand snapshot 'Snapshot a branch (HEAD by default), also while it runs'
            cand log 'Show the snapshots of a branch and its ancestors, newest first'
            cand show 'Everything about one branch or snapshot: lineage, space, state, container, version'
            cand reset 'Throw away a branch''s changes: back to a snapshot or its branch point'
            cand rm 'Remove branches: container, dataset and snapshots'
            cand start 'Start branches'' containers'
            cand stop 'Stop branches'' containers'
            cand restart 'Restart branches'' containers'
            cand status 'Show the store, pool, HEAD, Docker engine and anything inconsistent'
            cand doctor 'Check the store and its host; with --fix, repair what is safe to repair'
            cand gc 'Remove expired branches, unused branch points and leftovers of interrupted commands'
            cand protect 'Keep branches from gc and rm'
            cand unprotect 'Let gc and rm remove branches again'
            cand url 'Print a branch''s connection URL'
            cand env 'Print a branch''s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file'
            cand psql 'Run psql connected to a branch'
            cand import 'Make a new root branch from a live server or a dump'
            cand refresh 'Load a root branch''s source again; branches of the old data keep it'
            cand export 'Dump a branch or snapshot to a file or stdout'
            cand diff 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)'
            cand compose 'Print a docker compose override that points a service at a branch'
            cand config 'Show the store''s settings, or change its Docker network'
            cand hook 'Git integration: a post-checkout hook that follows git branches'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'stagdb;help;init'= {
        }
        &'stagdb;help;branch'= {
        }
        &'stagdb;help;checkout'= {
        }
        &'stagdb;help;snapshot'= {
        }
        &'stagdb;help;log'= {
        }
        &'stagdb;help;show'= {
        }
        &'stagdb;help;reset'= {
        }
        &'stagdb;help;rm'= {
        }
        &'stagdb;help;start'= {
        }
        &'stagdb;help;stop'= {
        }
        &'stagdb;help;restart'= {
        }
        &'stagdb;help;status'= {
        }
        &'stagdb;help;doctor'= {
        }
        &'stagdb;help;gc'= {
        }
        &'stagdb;help;protect'= {
        }
        &'stagdb;help;unprotect'= {
        }
        &'stagdb;help;url'= {
        }
        &'stagdb;help;env'= {
        }
        &'stagdb;help;psql'= {
        }
        &'stagdb;help;import'= {
        }
        &'stagdb;help;refresh'= {
        }
        &'stagdb;help;export'= {
        }
        &'stagdb;help;diff'= {
        }
        &'stagdb;help;compose'= {
        }
        &'stagdb;help;config'= {
        }
        &'stagdb;help;hook'= {
            cand install 'Install the git post-checkout hook in the repository here'
            cand uninstall 'Remove the hook (and restore a hook it had kept)'
            cand run 'What the hook runs: make BRANCH the HEAD if the store has it'
        }
        &'stagdb;help;hook;install'= {
        }
        &'stagdb;help;hook;uninstall'= {
        }
        &'stagdb;help;hook;run'= {
        }
        &'stagdb;help;completions'= {
        }
        &'stagdb;help;help'= {
        }
    ]
    $completions[$command]
}
