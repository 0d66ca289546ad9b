// `vm ingest` draws its progress bar with Spectre.Console, which allows one live display per
// process; the CLI runs one command per process, but these tests run many in one, so run serially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
