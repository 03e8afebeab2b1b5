using CallGrains.Silo;
using Microsoft.Extensions.Hosting;

// "migrate" applies the database schema and exits; anything else runs a silo.
if (args is ["migrate", ..]) return await SchemaCommand.RunAsync(args[1..]);

await SiloHost.Build(args).RunAsync();
return 0;
