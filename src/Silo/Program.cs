using CallGrains.Silo;
using Microsoft.Extensions.Hosting;

// "migrate" applies the database schema and exits; "reproject" re-derives what an older fold wrote; anything else runs a silo.
if (args is ["migrate", ..]) return await SchemaCommand.RunAsync(args[1..]);
if (args is ["reproject", ..]) return await ReprojectCommand.RunAsync(args[1..], Console.Out);

await SiloHost.Build(args).RunAsync();
return 0;
