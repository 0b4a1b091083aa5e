# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_stagdb_global_optspecs
    string join \n store= json q/quiet y/yes color= v/verbose timings timeout= h/help V/version
end

function __fish_stagdb_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_stagdb_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_stagdb_using_subcommand
    set -l cmd (__fish_stagdb_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c stagdb -n "__fish_stagdb_needs_command" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_needs_command" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_needs_command" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_needs_command" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_needs_command" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_needs_command" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_needs_command" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_needs_command" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_needs_command" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "init" -d 'Create a store and its first branch, main'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "branch" -d 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "checkout" -d 'Make a branch the HEAD (served on the store\'s head port too)'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "snapshot" -d 'Snapshot a branch (HEAD by default), also while it runs'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "commit" -d 'Snapshot a branch (HEAD by default), also while it runs'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "log" -d 'Show the snapshots of a branch and its ancestors, newest first'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "show" -d 'Everything about one branch or snapshot: lineage, space, state, container, version'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "reset" -d 'Throw away a branch\'s changes: back to a snapshot or its branch point'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "rm" -d 'Remove branches: container, dataset and snapshots'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "start" -d 'Start branches\' containers'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "stop" -d 'Stop branches\' containers'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "restart" -d 'Restart branches\' containers'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "status" -d 'Show the store, pool, HEAD, Docker engine and anything inconsistent'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "doctor" -d 'Check the store and its host; with --fix, repair what is safe to repair'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "gc" -d 'Remove expired branches, unused branch points and leftovers of interrupted commands'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "protect" -d 'Keep branches from gc and rm'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "unprotect" -d 'Let gc and rm remove branches again'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "url" -d 'Print a branch\'s connection URL'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "env" -d 'Print a branch\'s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "psql" -d 'Run psql connected to a branch'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "import" -d 'Make a new root branch from a live server or a dump'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "refresh" -d 'Load a root branch\'s source again; branches of the old data keep it'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "export" -d 'Dump a branch or snapshot to a file or stdout'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "diff" -d 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "compose" -d 'Print a docker compose override that points a service at a branch'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "config" -d 'Show the store\'s settings, or change its Docker network'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "hook" -d 'Git integration: a post-checkout hook that follows git branches'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c stagdb -n "__fish_stagdb_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l pool -d 'ZFS pool to create the store in [default: the only pool, or "stagdb" with --pool-file]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l pool-file -d 'Create the pool first, on a sparse file at PATH (no spare disk needed)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l size -d 'Size of the sparse pool file, e.g. 20G' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l dataset -d 'The store\'s root dataset [default: POOL/stagdb]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l pg-version -d 'PostgreSQL major version of main' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l image -d 'Container image template; {major} becomes the PostgreSQL major version' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l ports -d 'Host ports handed out to branches' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l head-port -d 'Host port that always serves the HEAD branch' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l listen -d 'Host address the branches\' ports are published (or listened) on' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l network -d 'Docker network the branches join (created if missing); containers on it reach a branch by its name, HEAD as stagdb-head' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l memory -d 'Memory limit every new branch (main too) gets, e.g. 2g; change with `stagdb config limits`' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l cpus -d 'CPU limit every new branch (main too) gets, e.g. 1' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand init" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l ttl -d 'Let `stagdb gc` remove the branch after this long, e.g. 8h, 30m, 2d, 1w' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l expires-at -d 'Let `stagdb gc` remove the branch after this future time (RFC 3339, or local YYYY-MM-DD[ HH:MM])' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l from-time -d 'Branch from the newest snapshot taken at or before TIME (RFC 3339, local YYYY-MM-DD[ HH:MM], yesterday, or N UNIT ago: 2h ago, 30 min ago, 3 days ago)' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l of -d 'With --from-time: whose snapshots (its own and its ancestors\') [default: HEAD]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l memory -d 'Memory limit of the new branch\'s container, e.g. 512m, 2g (no swap); none: unlimited [default: the store\'s, `stagdb config limits`]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l cpus -d 'CPU limit of the new branch\'s container, e.g. 1, 0.5; none: unlimited [default: the store\'s]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s d -l delete -d 'Remove the named branch instead (like stagdb rm)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s m -l move -d 'Rename branch NAME to START\'s place: `-m OLD NEW` (or `-m NEW` for HEAD)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l no-start -d 'Only create the branch; do not start its container (nor mount its dataset, until it first starts)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand branch" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s b -d 'Create the branch first (from START, default HEAD)'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand checkout" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s m -l message -d 'Message kept with the snapshot' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l name -d 'Snapshot name [default: a timestamp]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s m -l message -d 'Message kept with the snapshot' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l name -d 'Snapshot name [default: a timestamp]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand commit" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s n -l max-count -d 'Show at most N entries' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l graph -d 'Branches and snapshots as a tree (REF\'s whole tree, from its root)'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l all -d 'With --graph: every tree of the store (every root, imported ones too)'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand log" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand show" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l to -d 'Snapshot to go back to [default: the branch\'s newest snapshot, else its branch point]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l preserve-as -d 'Keep the current state first as new branch NAME (a snapshot and a branch of it; both or neither)' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l start -d 'With --preserve-as: start the preserved branch too [default: it stays stopped]'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand reset" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand rm" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l all -d 'Every branch of the store (e.g. after a reboot, or before maintenance)'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand start" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l all -d 'Every branch of the store (e.g. after a reboot, or before maintenance)'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand stop" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l all -d 'Every branch of the store (e.g. after a reboot, or before maintenance)'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand restart" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand status" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l fix -d 'Repair what is safe to repair, saying each thing done'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l dry-run -d 'With --fix: only say what would be done'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l dry-run -d 'Only say what would be removed'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand gc" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand protect" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand unprotect" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l db -d 'Database [default: the branch\'s default database: an imported one\'s own, else postgres]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand url" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l db -d 'Database [default: the branch\'s default database: an imported one\'s own, else postgres]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l format -d 'Output format' -r -f -a "shell\t'`export NAME=\'value\'` lines for `eval "$(stagdb env)"`'
dotenv\t'`NAME="value"` lines for docker compose\'s `env_file:`, direnv\'s `dotenv`, ...'
json\t'One JSON object (same as --json)'"
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l write -d 'Write a dotenv file (mode 0600, replaced atomically; an existing one only if stagdb wrote it) instead of printing' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l force -d 'With --write: replace FILE even if stagdb did not write it'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_using_subcommand env" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l db -d 'Database [default: the branch\'s default database]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand psql" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l pg-version -d 'PostgreSQL major of the new branch [default: the source\'s]; a newer one upgrades' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s j -l jobs -d 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l exclude-table-data -d 'Leave out this table\'s rows (pg_dump pattern; repeatable; live sources)' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l scrub -d 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l password-file -d 'Read the source\'s password from the first line of FILE (live sources; also STAGDB_SOURCE_PASSWORD_FILE)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l load-in -d 'Where the data is loaded before it is written into the branch [default: auto]' -r -f -a "auto\t'Memory when twice the source\'s size plus 512 MiB fits in half the free memory (live sources), and always with --scrub; else disk'
memory\t'A tmpfs of half the free memory, written into the branch\'s dataset in one copy after a clean shutdown (a pool on FUSE pays per write)'
disk\t'The branch\'s dataset itself'"
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l schema-only -d 'Only the schema, no rows'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l all-databases -d 'Every database of the server, not just the URL\'s (live sources)'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l physical -d 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l roles -d 'Copy the source\'s roles (no passwords, no superuser or replication) and keep owners and grants'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l skip-missing-extensions -d 'Import even when the extensions the source uses are missing in the image'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l force -d 'Try even when the preflight says the data will not fit in the pool'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l dry-run -d 'Only run the preflight and say what would be done'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l allow-shell -d 'Let a plain SQL dump run psql\'s backslash commands (\\!, \\o |...): they run shell commands'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l unscrubbed-blocks-ok -d 'With --scrub and --load-in disk: accept that the pool\'s freed blocks keep the original values'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_using_subcommand import" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l source -d 'Load from here this once; the recorded source stays for later refreshes' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s j -l jobs -d 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l exclude-table-data -d 'Leave out this table\'s rows (pg_dump pattern; repeatable; live sources)' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l scrub -d 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l password-file -d 'Read the source\'s password from the first line of FILE (live sources; also STAGDB_SOURCE_PASSWORD_FILE)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l load-in -d 'Where the data is loaded before it is written into the branch [default: auto]' -r -f -a "auto\t'Memory when twice the source\'s size plus 512 MiB fits in half the free memory (live sources), and always with --scrub; else disk'
memory\t'A tmpfs of half the free memory, written into the branch\'s dataset in one copy after a clean shutdown (a pool on FUSE pays per write)'
disk\t'The branch\'s dataset itself'"
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l save-source -d 'Record --source (and these load options) as what later refreshes load'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l schema-only -d 'Only the schema, no rows'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l all-databases -d 'Every database of the server, not just the URL\'s (live sources)'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l physical -d 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l roles -d 'Copy the source\'s roles (no passwords, no superuser or replication) and keep owners and grants'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l skip-missing-extensions -d 'Import even when the extensions the source uses are missing in the image'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l force -d 'Try even when the preflight says the data will not fit in the pool'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l dry-run -d 'Only run the preflight and say what would be done'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l allow-shell -d 'Let a plain SQL dump run psql\'s backslash commands (\\!, \\o |...): they run shell commands'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l unscrubbed-blocks-ok -d 'With --scrub and --load-in disk: accept that the pool\'s freed blocks keep the original values'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_using_subcommand refresh" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s o -l output -d 'Write here instead of stdout (required for --format directory)' -r -F
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l format -d 'Dump format' -r -f -a "custom\t'pg_dump -Fc: compressed, restorable in parallel, selectively'
plain\t'Plain SQL for psql'
directory\t'pg_dump -Fd: a directory, dumped in parallel'"
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s j -l jobs -d 'Parallel jobs (directory format only) [default: the number of CPUs]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l db -d 'Database to dump [default: the branch\'s default database]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l all-databases -d 'Every database, roles included, as plain SQL (pg_dumpall)'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_using_subcommand export" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l db -d 'Database [default: REF\'s default database]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l stat -d 'Per table: row estimates and sizes on both sides, instead of the schema diff'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l exit-code -d 'Exit with 1 when the schemas differ (like git diff --exit-code)'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand diff" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s s -l service -d 'Compose service to point at the branch (repeatable)' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l db -d 'Database [default: the branch\'s default database]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand compose" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l memory -d 'With limits: the memory limit, e.g. 512m, 2g (memory and swap alike); none: unlimited' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l cpus -d 'With limits: the CPU limit, e.g. 1, 0.5; none: unlimited' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l branch -d 'With limits: this branch\'s own limits (applied at its next start), not the store\'s defaults' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l unset -d 'Remove the setting'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stagdb -n "__fish_stagdb_using_subcommand config" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "install" -d 'Install the git post-checkout hook in the repository here (`--store` is written into it)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "uninstall" -d 'Remove the hook (and restore a hook it had kept)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "run" -d 'What the hook runs: make BRANCH the HEAD if the store has it'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l force -d 'Keep a foreign hook (as post-checkout.pre-stagdb, run first) instead of refusing'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Install the git post-checkout hook in the repository here (`--store` is written into it)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove the hook (and restore a hook it had kept)'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "run" -d 'What the hook runs: make BRANCH the HEAD if the store has it'
complete -c stagdb -n "__fish_stagdb_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -l store -d 'The store\'s root dataset [default: the only store on this host]' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -l color -d 'When to use colors (NO_COLOR is honoured for auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -l timeout -d 'Seconds to wait for a branch to accept connections' -r
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -l json -d 'Print machine-readable JSON on stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -s q -l quiet -d 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (required for rm and reset without a terminal)'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -s v -l verbose -d 'Show each zfs command and Docker call on stderr as it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -l timings -d 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -s h -l help -d 'Print help'
complete -c stagdb -n "__fish_stagdb_using_subcommand completions" -s V -l version -d 'Print version'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "init" -d 'Create a store and its first branch, main'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "branch" -d 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "checkout" -d 'Make a branch the HEAD (served on the store\'s head port too)'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "snapshot" -d 'Snapshot a branch (HEAD by default), also while it runs'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "log" -d 'Show the snapshots of a branch and its ancestors, newest first'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "show" -d 'Everything about one branch or snapshot: lineage, space, state, container, version'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "reset" -d 'Throw away a branch\'s changes: back to a snapshot or its branch point'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "rm" -d 'Remove branches: container, dataset and snapshots'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "start" -d 'Start branches\' containers'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "stop" -d 'Stop branches\' containers'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "restart" -d 'Restart branches\' containers'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "status" -d 'Show the store, pool, HEAD, Docker engine and anything inconsistent'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "doctor" -d 'Check the store and its host; with --fix, repair what is safe to repair'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "gc" -d 'Remove expired branches, unused branch points and leftovers of interrupted commands'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "protect" -d 'Keep branches from gc and rm'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "unprotect" -d 'Let gc and rm remove branches again'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "url" -d 'Print a branch\'s connection URL'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "env" -d 'Print a branch\'s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "psql" -d 'Run psql connected to a branch'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "import" -d 'Make a new root branch from a live server or a dump'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "refresh" -d 'Load a root branch\'s source again; branches of the old data keep it'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "export" -d 'Dump a branch or snapshot to a file or stdout'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "diff" -d 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "compose" -d 'Print a docker compose override that points a service at a branch'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "config" -d 'Show the store\'s settings, or change its Docker network'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "hook" -d 'Git integration: a post-checkout hook that follows git branches'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and not __fish_seen_subcommand_from init branch checkout snapshot log show reset rm start stop restart status doctor gc protect unprotect url env psql import refresh export diff compose config hook completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Install the git post-checkout hook in the repository here (`--store` is written into it)'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "uninstall" -d 'Remove the hook (and restore a hook it had kept)'
complete -c stagdb -n "__fish_stagdb_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "run" -d 'What the hook runs: make BRANCH the HEAD if the store has it'
