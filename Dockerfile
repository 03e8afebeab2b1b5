# One image for every CallGrains role: the schema step, the nodes (api/CallGrains.Api.dll: silo and HTTP API in one
# process) and, for a separate API tier, grain-only silos (silo/CallGrains.Silo.dll) differ only in the command and
# environment that docker-compose.yml gives them (the same ones the tests use without Docker).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore in a layer of its own: it is re-run only when a project file or a package version changes,
# not on every source change.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Domain/CallGrains.Domain.csproj src/Domain/
COPY src/Grains/CallGrains.Grains.csproj src/Grains/
COPY src/Postgres/CallGrains.Postgres.csproj src/Postgres/
COPY src/Operability/CallGrains.Operability.csproj src/Operability/
COPY src/Hosting/CallGrains.Hosting.csproj src/Hosting/
COPY src/Silo/CallGrains.Silo.csproj src/Silo/
COPY src/Api/CallGrains.Api.csproj src/Api/
RUN dotnet restore src/Silo && dotnet restore src/Api
COPY . .
RUN dotnet publish src/Silo -c Release --no-restore -o /app/silo && dotnet publish src/Api -c Release --no-restore -o /app/api

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
# The image's own non-root user. Every role serves HTTP on 8080 (the image sets ASPNETCORE_HTTP_PORTS=8080): a node the
# API and the operator endpoints, a grain-only silo /metrics, /health/* and /dashboard. 11111 and 30000 are a silo's
# Orleans ports (a node's too: it is a silo).
# The push spool's mount point, owned by that user, so that a fresh named volume mounted there is writable by it.
RUN mkdir -p /var/lib/callgrains/spool && chown $APP_UID /var/lib/callgrains/spool
USER $APP_UID
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet"]
CMD ["api/CallGrains.Api.dll"]
