
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'stagdb' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'stagdb'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'stagdb' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a store and its first branch, main')
            [CompletionResult]::new('branch', 'branch', [CompletionResultType]::ParameterValue, 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT')
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Make a branch the HEAD (served on the store''s head port too)')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Snapshot a branch (HEAD by default), also while it runs')
            [CompletionResult]::new('commit', 'commit', [CompletionResultType]::ParameterValue, 'Snapshot a branch (HEAD by default), also while it runs')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the snapshots of a branch and its ancestors, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Everything about one branch or snapshot: lineage, space, state, container, version')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Throw away a branch''s changes: back to a snapshot or its branch point')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove branches: container, dataset and snapshots')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start branches'' containers')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop branches'' containers')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart branches'' containers')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store, pool, HEAD, Docker engine and anything inconsistent')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the store and its host; with --fix, repair what is safe to repair')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove expired branches, unused branch points and leftovers of interrupted commands')
            [CompletionResult]::new('protect', 'protect', [CompletionResultType]::ParameterValue, 'Keep branches from gc and rm')
            [CompletionResult]::new('unprotect', 'unprotect', [CompletionResultType]::ParameterValue, 'Let gc and rm remove branches again')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a branch''s connection URL')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print a branch''s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file')
            [CompletionResult]::new('psql', 'psql', [CompletionResultType]::ParameterValue, 'Run psql connected to a branch')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Make a new root branch from a live server or a dump')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Load a root branch''s source again; branches of the old data keep it')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Dump a branch or snapshot to a file or stdout')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)')
            [CompletionResult]::new('compose', 'compose', [CompletionResultType]::ParameterValue, 'Print a docker compose override that points a service at a branch')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the store''s settings, or change its Docker network')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Git integration: a post-checkout hook that follows git branches')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'stagdb;init' {
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'ZFS pool to create the store in [default: the only pool, or "stagdb" with --pool-file]')
            [CompletionResult]::new('--pool-file', '--pool-file', [CompletionResultType]::ParameterName, 'Create the pool first, on a sparse file at PATH (no spare disk needed)')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Size of the sparse pool file, e.g. 20G')
            [CompletionResult]::new('--dataset', '--dataset', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: POOL/stagdb]')
            [CompletionResult]::new('--pg-version', '--pg-version', [CompletionResultType]::ParameterName, 'PostgreSQL major version of main')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Container image template; {major} becomes the PostgreSQL major version')
            [CompletionResult]::new('--ports', '--ports', [CompletionResultType]::ParameterName, 'Host ports handed out to branches')
            [CompletionResult]::new('--head-port', '--head-port', [CompletionResultType]::ParameterName, 'Host port that always serves the HEAD branch')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Host address the branches'' ports are published (or listened) on')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'Docker network the branches join (created if missing); containers on it reach a branch by its name, HEAD as stagdb-head')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory limit every new branch (main too) gets, e.g. 2g; change with `stagdb config limits`')
            [CompletionResult]::new('--cpus', '--cpus', [CompletionResultType]::ParameterName, 'CPU limit every new branch (main too) gets, e.g. 1')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;branch' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Let `stagdb gc` remove the branch after this long, e.g. 8h, 30m, 2d, 1w')
            [CompletionResult]::new('--expires-at', '--expires-at', [CompletionResultType]::ParameterName, 'Let `stagdb gc` remove the branch after this future time (RFC 3339, or local YYYY-MM-DD[ HH:MM])')
            [CompletionResult]::new('--from-time', '--from-time', [CompletionResultType]::ParameterName, 'Branch from the newest snapshot taken at or before TIME (RFC 3339, local YYYY-MM-DD[ HH:MM], yesterday, or N UNIT ago: 2h ago, 30 min ago, 3 days ago)')
            [CompletionResult]::new('--of', '--of', [CompletionResultType]::ParameterName, 'With --from-time: whose snapshots (its own and its ancestors'') [default: HEAD]')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory limit of the new branch''s container, e.g. 512m, 2g (no swap); none: unlimited [default: the store''s, `stagdb config limits`]')
            [CompletionResult]::new('--cpus', '--cpus', [CompletionResultType]::ParameterName, 'CPU limit of the new branch''s container, e.g. 1, 0.5; none: unlimited [default: the store''s]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Remove the named branch instead (like stagdb rm)')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Remove the named branch instead (like stagdb rm)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Rename branch NAME to START''s place: `-m OLD NEW` (or `-m NEW` for HEAD)')
            [CompletionResult]::new('--move', '--move', [CompletionResultType]::ParameterName, 'Rename branch NAME to START''s place: `-m OLD NEW` (or `-m NEW` for HEAD)')
            [CompletionResult]::new('--no-start', '--no-start', [CompletionResultType]::ParameterName, 'Only create the branch; do not start its container (nor mount its dataset, until it first starts)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;checkout' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Create the branch first (from START, default HEAD)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;snapshot' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Message kept with the snapshot')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Message kept with the snapshot')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Snapshot name [default: a timestamp]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;commit' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Message kept with the snapshot')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Message kept with the snapshot')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Snapshot name [default: a timestamp]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;log' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show at most N entries')
            [CompletionResult]::new('--max-count', '--max-count', [CompletionResultType]::ParameterName, 'Show at most N entries')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'Branches and snapshots as a tree (REF''s whole tree, from its root)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --graph: every tree of the store (every root, imported ones too)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;show' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;reset' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Snapshot to go back to [default: the branch''s newest snapshot, else its branch point]')
            [CompletionResult]::new('--preserve-as', '--preserve-as', [CompletionResultType]::ParameterName, 'Keep the current state first as new branch NAME (a snapshot and a branch of it; both or neither)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--start', '--start', [CompletionResultType]::ParameterName, 'With --preserve-as: start the preserved branch too [default: it stays stopped]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;rm' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;start' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every branch of the store (e.g. after a reboot, or before maintenance)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;stop' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every branch of the store (e.g. after a reboot, or before maintenance)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;restart' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every branch of the store (e.g. after a reboot, or before maintenance)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;status' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;doctor' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Repair what is safe to repair, saying each thing done')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --fix: only say what would be done')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;gc' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only say what would be removed')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;protect' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;unprotect' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;url' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database [default: the branch''s default database: an imported one''s own, else postgres]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;env' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database [default: the branch''s default database: an imported one''s own, else postgres]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write a dotenv file (mode 0600, replaced atomically; an existing one only if stagdb wrote it) instead of printing')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --write: replace FILE even if stagdb did not write it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;psql' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database [default: the branch''s default database]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;import' {
            [CompletionResult]::new('--pg-version', '--pg-version', [CompletionResultType]::ParameterName, 'PostgreSQL major of the new branch [default: the source''s]; a newer one upgrades')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]')
            [CompletionResult]::new('--exclude-table-data', '--exclude-table-data', [CompletionResultType]::ParameterName, 'Leave out this table''s rows (pg_dump pattern; repeatable; live sources)')
            [CompletionResult]::new('--scrub', '--scrub', [CompletionResultType]::ParameterName, 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the source''s password from the first line of FILE (live sources; also STAGDB_SOURCE_PASSWORD_FILE)')
            [CompletionResult]::new('--load-in', '--load-in', [CompletionResultType]::ParameterName, 'Where the data is loaded before it is written into the branch [default: auto]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--schema-only', '--schema-only', [CompletionResultType]::ParameterName, 'Only the schema, no rows')
            [CompletionResult]::new('--all-databases', '--all-databases', [CompletionResultType]::ParameterName, 'Every database of the server, not just the URL''s (live sources)')
            [CompletionResult]::new('--physical', '--physical', [CompletionResultType]::ParameterName, 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)')
            [CompletionResult]::new('--roles', '--roles', [CompletionResultType]::ParameterName, 'Copy the source''s roles (no passwords, no superuser or replication) and keep owners and grants')
            [CompletionResult]::new('--skip-missing-extensions', '--skip-missing-extensions', [CompletionResultType]::ParameterName, 'Import even when the extensions the source uses are missing in the image')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Try even when the preflight says the data will not fit in the pool')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only run the preflight and say what would be done')
            [CompletionResult]::new('--allow-shell', '--allow-shell', [CompletionResultType]::ParameterName, 'Let a plain SQL dump run psql''s backslash commands (\!, \o |...): they run shell commands')
            [CompletionResult]::new('--unscrubbed-blocks-ok', '--unscrubbed-blocks-ok', [CompletionResultType]::ParameterName, 'With --scrub and --load-in disk: accept that the pool''s freed blocks keep the original values')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;refresh' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Load from here this once; the recorded source stays for later refreshes')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Parallel jobs for dump and restore [default: the number of CPUs; 1 on hosts with 1 or 2]')
            [CompletionResult]::new('--exclude-table-data', '--exclude-table-data', [CompletionResultType]::ParameterName, 'Leave out this table''s rows (pg_dump pattern; repeatable; live sources)')
            [CompletionResult]::new('--scrub', '--scrub', [CompletionResultType]::ParameterName, 'SQL file run on the data before the first snapshot, e.g. to mask personal data (repeatable)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the source''s password from the first line of FILE (live sources; also STAGDB_SOURCE_PASSWORD_FILE)')
            [CompletionResult]::new('--load-in', '--load-in', [CompletionResultType]::ParameterName, 'Where the data is loaded before it is written into the branch [default: auto]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--save-source', '--save-source', [CompletionResultType]::ParameterName, 'Record --source (and these load options) as what later refreshes load')
            [CompletionResult]::new('--schema-only', '--schema-only', [CompletionResultType]::ParameterName, 'Only the schema, no rows')
            [CompletionResult]::new('--all-databases', '--all-databases', [CompletionResultType]::ParameterName, 'Every database of the server, not just the URL''s (live sources)')
            [CompletionResult]::new('--physical', '--physical', [CompletionResultType]::ParameterName, 'Copy the whole cluster with pg_basebackup (live source, same major; needs REPLICATION)')
            [CompletionResult]::new('--roles', '--roles', [CompletionResultType]::ParameterName, 'Copy the source''s roles (no passwords, no superuser or replication) and keep owners and grants')
            [CompletionResult]::new('--skip-missing-extensions', '--skip-missing-extensions', [CompletionResultType]::ParameterName, 'Import even when the extensions the source uses are missing in the image')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Try even when the preflight says the data will not fit in the pool')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only run the preflight and say what would be done')
            [CompletionResult]::new('--allow-shell', '--allow-shell', [CompletionResultType]::ParameterName, 'Let a plain SQL dump run psql''s backslash commands (\!, \o |...): they run shell commands')
            [CompletionResult]::new('--unscrubbed-blocks-ok', '--unscrubbed-blocks-ok', [CompletionResultType]::ParameterName, 'With --scrub and --load-in disk: accept that the pool''s freed blocks keep the original values')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write here instead of stdout (required for --format directory)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write here instead of stdout (required for --format directory)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Dump format')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Parallel jobs (directory format only) [default: the number of CPUs]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Parallel jobs (directory format only) [default: the number of CPUs]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database to dump [default: the branch''s default database]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--all-databases', '--all-databases', [CompletionResultType]::ParameterName, 'Every database, roles included, as plain SQL (pg_dumpall)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;diff' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database [default: REF''s default database]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--stat', '--stat', [CompletionResultType]::ParameterName, 'Per table: row estimates and sizes on both sides, instead of the schema diff')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with 1 when the schemas differ (like git diff --exit-code)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;compose' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Compose service to point at the branch (repeatable)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Compose service to point at the branch (repeatable)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Database [default: the branch''s default database]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;config' {
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'With limits: the memory limit, e.g. 512m, 2g (memory and swap alike); none: unlimited')
            [CompletionResult]::new('--cpus', '--cpus', [CompletionResultType]::ParameterName, 'With limits: the CPU limit, e.g. 1, 0.5; none: unlimited')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'With limits: this branch''s own limits (applied at its next start), not the store''s defaults')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--unset', '--unset', [CompletionResultType]::ParameterName, 'Remove the setting')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;hook' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the git post-checkout hook in the repository here (`--store` is written into it)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the hook (and restore a hook it had kept)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What the hook runs: make BRANCH the HEAD if the store has it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'stagdb;hook;install' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Keep a foreign hook (as post-checkout.pre-stagdb, run first) instead of refusing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;hook;uninstall' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;hook;run' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;hook;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the git post-checkout hook in the repository here (`--store` is written into it)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the hook (and restore a hook it had kept)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What the hook runs: make BRANCH the HEAD if the store has it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'stagdb;hook;help;install' {
            break
        }
        'stagdb;hook;help;uninstall' {
            break
        }
        'stagdb;hook;help;run' {
            break
        }
        'stagdb;hook;help;help' {
            break
        }
        'stagdb;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'The store''s root dataset [default: the only store on this host]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (NO_COLOR is honoured for auto)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a branch to accept connections')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but data, warnings and errors (import and refresh: one line per finished phase)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for rm and reset without a terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each zfs command and Docker call on stderr as it runs')
            [CompletionResult]::new('--timings', '--timings', [CompletionResultType]::ParameterName, 'Print how long each phase took (read store, snapshot, clone, container start, ready, ...)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'stagdb;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a store and its first branch, main')
            [CompletionResult]::new('branch', 'branch', [CompletionResultType]::ParameterValue, 'List branches, or create one from HEAD, a branch or BRANCH@SNAPSHOT')
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Make a branch the HEAD (served on the store''s head port too)')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Snapshot a branch (HEAD by default), also while it runs')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the snapshots of a branch and its ancestors, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Everything about one branch or snapshot: lineage, space, state, container, version')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Throw away a branch''s changes: back to a snapshot or its branch point')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove branches: container, dataset and snapshots')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start branches'' containers')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop branches'' containers')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart branches'' containers')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store, pool, HEAD, Docker engine and anything inconsistent')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the store and its host; with --fix, repair what is safe to repair')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove expired branches, unused branch points and leftovers of interrupted commands')
            [CompletionResult]::new('protect', 'protect', [CompletionResultType]::ParameterValue, 'Keep branches from gc and rm')
            [CompletionResult]::new('unprotect', 'unprotect', [CompletionResultType]::ParameterValue, 'Let gc and rm remove branches again')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a branch''s connection URL')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print a branch''s connection variables (DATABASE_URL, PGHOST, ...) for a shell or a dotenv file')
            [CompletionResult]::new('psql', 'psql', [CompletionResultType]::ParameterValue, 'Run psql connected to a branch')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Make a new root branch from a live server or a dump')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Load a root branch''s source again; branches of the old data keep it')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Dump a branch or snapshot to a file or stdout')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the schemas of two branches or snapshots (default: a branch and its branch point)')
            [CompletionResult]::new('compose', 'compose', [CompletionResultType]::ParameterValue, 'Print a docker compose override that points a service at a branch')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the store''s settings, or change its Docker network')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Git integration: a post-checkout hook that follows git branches')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'stagdb;help;init' {
            break
        }
        'stagdb;help;branch' {
            break
        }
        'stagdb;help;checkout' {
            break
        }
        'stagdb;help;snapshot' {
            break
        }
        'stagdb;help;log' {
            break
        }
        'stagdb;help;show' {
            break
        }
        'stagdb;help;reset' {
            break
        }
        'stagdb;help;rm' {
            break
        }
        'stagdb;help;start' {
            break
        }
        'stagdb;help;stop' {
            break
        }
        'stagdb;help;restart' {
            break
        }
        'stagdb;help;status' {
            break
        }
        'stagdb;help;doctor' {
            break
        }
        'stagdb;help;gc' {
            break
        }
        'stagdb;help;protect' {
            break
        }
        'stagdb;help;unprotect' {
            break
        }
        'stagdb;help;url' {
            break
        }
        'stagdb;help;env' {
            break
        }
        'stagdb;help;psql' {
            break
        }
        'stagdb;help;import' {
            break
        }
        'stagdb;help;refresh' {
            break
        }
        'stagdb;help;export' {
            break
        }
        'stagdb;help;diff' {
            break
        }
        'stagdb;help;compose' {
            break
        }
        'stagdb;help;config' {
            break
        }
        'stagdb;help;hook' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the git post-checkout hook in the repository here (`--store` is written into it)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the hook (and restore a hook it had kept)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What the hook runs: make BRANCH the HEAD if the store has it')
            break
        }
        'stagdb;help;hook;install' {
            break
        }
        'stagdb;help;hook;uninstall' {
            break
        }
        'stagdb;help;hook;run' {
            break
        }
        'stagdb;help;completions' {
            break
        }
        'stagdb;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
