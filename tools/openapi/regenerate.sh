#!/usr/bin/env bash
# Regenerates the checked-in OpenAPI document (openapi/v1.json) from the built API with Swashbuckle's CLI, then the
# Kiota client the functional tests drive it with. Run it after changing a route, a contract or a validator; the
# drift test fails until the document is regenerated.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
dotnet build src/Aiprod.Api -c Debug -v quiet -nologo
# The CLI runs Program up to the host's start: a throwaway data folder takes the generated keys and database.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
ASPNETCORE_ENVIRONMENT=Development DataFolder__Path="$data" Logging__LogLevel__Default=Warning \
  dotnet swagger tofile --output openapi/v1.json src/Aiprod.Api/bin/Debug/net10.0/Aiprod.Api.dll v1
if [ -x tools/openapi/kiota.sh ]; then tools/openapi/kiota.sh; fi
