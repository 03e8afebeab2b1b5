using CallGrains.Api.Hosting;

var app = CallGrainsApp.Build(args);
app.Run();
