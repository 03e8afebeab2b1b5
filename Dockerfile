# One image for every CallGrains role: the schema step, the silos and the API differ only in the
# command and environment that docker-compose.yml gives them (the same ones the tests use without Docker).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo -c Release -o /app/silo && dotnet publish src/Api -c Release -o /app/api

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
