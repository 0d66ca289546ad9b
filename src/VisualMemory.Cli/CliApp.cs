using VisualMemory.Cli.Commands;
using VisualMemory.Datasets;

namespace VisualMemory.Cli;

/// <summary>Dispatches `vm COMMAND [options]` and maps failures to exit codes: 2 usage, 3 data file, 4 server, 5 a --wait that timed out, 6 a job that did not succeed.</summary>
internal static class CliApp
{
    public const string Usage = """
        usage: vm COMMAND [options]      (server: --server URL, default $VM_SERVER or http://127.0.0.1:5080;
                                          --api-key KEY, default $VM_API_KEY; --insecure skips TLS certificate checks, dev only)
          prepare  fashion-mnist|mnist --out DIR [--source DIR] [--images] [--limit N]
                   train/test .npy + label files; --images also DIR/{train,test}-images/NNNNN.png and
                   DIR/{train,test}-images.jsonl ({"id","uri","label"} a line); --limit keeps the first N of each split
          ingest   --memory NAME --vectors FILE(.npy|.fvecs) --labels FILE [--create [--index Flat] [--shards 4]]
                   [--id-start 0] [--batch 1000] [--seal] [--source TAG]
          ingest   --memory NAME --images LISTING.jsonl [--create --model NAME [--index Flat] [--shards 4]]
                   [--batch 64] [--parallel 2] [--seal] [--source TAG]
          embed    --image FILE [--model NAME] [--summary]
          ingest   --manifest FILE|store://KEY --memory NAME [--min-confidence C] [--labels a,b] [--chunk-rows N]
                   [--train-sample N] [--detach]
                   bulk-ingest job on the node (precomputed .npy embeddings or image listings, restartable);
                   follows it with a progress bar (items/s, ETA); exit 6 when the job fails
          jobs     [ID] [--cancel | --resume | --follow]   list jobs, show one with its bad rows, stop or resume it
          classify --memory NAME (--vector "x,y,..." | --vectors FILE --row N | --image FILE) [--k 10] [--aggregation rank]
                   [--explain] [--pruning none|hard|soft] [--residual] [--hierarchy ks|votes] [--lambda L]
          eval     --memory NAME (--queries FILE --labels FILE | --images LISTING.jsonl [--embed-batch 64] [--parallel 2])
                   [--k 1,10,50,100] [--aggregations plurality,distance,softmax,rank] [--limit N] [--batch 256]
          eval     --report DIR [--dataset fashion-mnist|DIR] [--quick] [--experiments NAME,...] [--seed 1]
                   [--new-classes A,B] [--max-train N] [--max-test N]
                   in-process evaluation harness (no server); writes DIR/<dataset>/report.md, report.json and SVGs.
                   A dataset DIR holds train.npy, train-labels.txt, test.npy, test-labels.txt (as `vm prepare` writes).
                   Experiments: accuracy-vs-k, pruning, new-classes, unlearning, label-noise, calibration, influence,
                   joint-inference (default: all).
          prune    run|list|offenders|apply|rollback --memory NAME [--k 100] [--hard-threshold N] [--all-neighbours]
                   [--version V] [--limit 20] [--mode soft|hard]
          unlearn  --memory NAME (--ids 1,2,3 | --source TAG | --label LABEL | --log)
          taxonomy --memory NAME --file PARENTS.json
          head     train --memory NAME [--epochs 10] [--learning-rate 0.001]
          nodes    the cluster's nodes (alive by lease) and its controller
          nodes    drain NODE [--undrain] [--wait [--timeout 600]]
                   move every replica off NODE (make-before-break), or let it take replicas again
          nodes    operations   (also: vm operations)
                   pending moves, draining nodes and rebalance, with the state of each new and old replica
          shards   move MEMORY SHARD --from NODE --to NODE [--wait [--timeout 600]]
                   move one replica; the old one serves until the new one is ready
          rebalance [--wait [--timeout 600]]
                   even out replicas across shard hosts
                   --wait polls progress until done; exit 5 if still in progress after --timeout seconds
          memory   show|seal|retrain --memory NAME
                   counts and where the bytes are (RAM, object storage, write-ahead log); seal now; retrain the quantizer
        """;

    public static async Task<int> Run(string[] args, TextWriter output, TextWriter error, Func<CliConnection, HttpClient> httpFor)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            var command = args[0];
            if (command == "prepare")
            {
                if (args.Length < 2)
                {
                    throw new UsageException("prepare needs a dataset name");
                }
                return PrepareCommand.Run(args[1], new CliArguments(args[2..]), output);
            }
            // Commands with an action word ("vm prune run ...") take it before the options; "nodes" may
            // have one. Operator commands then take positional names ("vm shards move m 0 ...").
            var hasAction = command is "prune" or "head" or "memory" or "shards"
                || (command == "nodes" && args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal));
            if (hasAction && (args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal)))
            {
                throw new UsageException($"{command} needs an action");
            }
            var rest = args[(hasAction ? 2 : 1)..];
            var positional = command is "shards" or "nodes" or "jobs" ? rest.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray() : [];
            var options = new CliArguments(rest[positional.Length..]);
            if (command == "eval" && options.Flag("report"))
            {
                // The harness runs against an in-process memory, so no server is contacted.
                return EvalReportCommand.Run(args, options, output, error);
            }
            var server = options.String("server", Environment.GetEnvironmentVariable("VM_SERVER") ?? "http://127.0.0.1:5080");
            if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri) || serverUri.Scheme is not ("http" or "https"))
            {
                throw new UsageException($"--server must be an http or https URL, got '{server}'");
            }
            using var http = httpFor(new CliConnection(serverUri, options.Flag("insecure")));
            // From the command line or the environment, never echoed: the key is a secret.
            if (options.String("api-key", Environment.GetEnvironmentVariable("VM_API_KEY") ?? "") is { Length: > 0 } apiKey)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
            }
            var api = new ApiClient(http);
            return command switch
            {
                "ingest" => await IngestCommand.Run(api, options, output).ConfigureAwait(false),
                "embed" => await EmbedCommand.Run(api, options, output).ConfigureAwait(false),
                "classify" => await ClassifyCommand.Run(api, options, output).ConfigureAwait(false),
                "eval" => await EvalCommand.Run(api, options, output).ConfigureAwait(false),
                "prune" => await PruneCommand.Run(api, args[1], options, output).ConfigureAwait(false),
                "unlearn" => await UnlearnCommand.Run(api, options, output).ConfigureAwait(false),
                "taxonomy" => await TaxonomyCommand.Run(api, options, output).ConfigureAwait(false),
                "head" => await LinearHeadCommand.Run(api, args[1], options, output).ConfigureAwait(false),
                "memory" => await MemoryCommand.Run(api, args[1], options, output).ConfigureAwait(false),
                "nodes" => await NodesCommand.Run(api, hasAction ? args[1] : null, positional, options, output).ConfigureAwait(false),
                "shards" => await ShardsCommand.Run(api, args[1], positional, options, output).ConfigureAwait(false),
                "rebalance" => await RebalanceCommand.Run(api, options, output).ConfigureAwait(false),
                "operations" => await OperationsCommand.Run(api, output).ConfigureAwait(false),
                "jobs" => await JobsCommand.Run(api, positional, options, output).ConfigureAwait(false),
                _ => throw new UsageException($"unknown command '{command}'"),
            };
        }
        catch (UsageException e)
        {
            error.WriteLine($"vm: {e.Message}");
            error.WriteLine(Usage);
            return 2;
        }
        catch (InvalidDataFileException e)
        {
            error.WriteLine($"vm: {e.Message}");
            return 3;
        }
        catch (ServerException e)
        {
            error.WriteLine($"vm: server refused the request: {e.Message}");
            return 4;
        }
        catch (HttpRequestException e)
        {
            error.WriteLine($"vm: cannot reach the server: {e.Message}");
            return 4;
        }
    }
}
