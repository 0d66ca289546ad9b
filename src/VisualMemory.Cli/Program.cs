using VisualMemory.Cli;

return await CliApp.Run(args, Console.Out, Console.Error, url => new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) }).ConfigureAwait(false);
