#!/usr/bin/env bash
# Regenerates the Kiota C# client the consumer test drives (tests/Aiprod.Functional.Tests/OpenApi/Client) from the
# checked-in document, exactly as a consumer would generate theirs.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
KIOTA_OFFLINE_ENABLED=true dotnet kiota generate --language CSharp --openapi openapi/v1.json --class-name AiprodClient \
  --namespace-name Aiprod.Functional.Tests.OpenApi.Client --output tests/Aiprod.Functional.Tests/OpenApi/Client \
  --exclude-backward-compatible --clean-output --log-level Warning
# Kiota's lock file records the generation; the document's hash in it changes with every regeneration.
rm -f tests/Aiprod.Functional.Tests/OpenApi/Client/kiota-lock.json tests/Aiprod.Functional.Tests/OpenApi/Client/.kiota.log
