#!/usr/bin/env python3
"""Where request threads spent their time, from a dotnet-trace speedscope file (dotnet-sampled-thread-time).

    trace-shares.py TRACE.speedscope.json ROOT [ROOT ...]

For each ROOT (a frame name fragment, e.g. 'AuthController+<Refresh>'), sums the sampled thread time of every
stack that contains it and splits it by the first category, in the order below, that the stack contains.
Thread time includes blocked time (a sleep, an fsync), which is the point: it is wall time on the request path.
"""
import collections
import json
import sys

CATEGORIES = [
    ("GC (threads waiting for a collection)", ["PollGC", "GarbageCollect", "WaitForGCCompletion"]),
    ("busy wait: Thread.Sleep(150) in Microsoft.Data.Sqlite", ["Thread.Sleep"]),
    ("COMMIT (WAL append + fsync)", ["SqliteTransaction.Commit", "DbTransaction.CommitAsync", "RelationalTransaction.CommitAsync", "RelationalTransaction+<CommitAsync>"]),
    ("BEGIN IMMEDIATE", ["SqliteTransaction..ctor", "BeginTransaction"]),
    ("INSERT/UPDATE statements of SaveChanges", ["ModificationCommandBatch"]),
    ("SELECT queries (EF query pipeline + SQLite)", ["QueryCompiler", "SingleQueryingEnumerable", "QueryingEnumerable"]),
    ("connection open/close (pool)", ["SqliteConnection.Open", "SqliteConnection.Close", "RelationalConnection"]),
    ("SaveChanges, rest (change detection, command building)", ["SaveChanges"]),
    ("access token: ES256 JWT", ["JsonWebTokenHandler", "JwtAccessTokenIssuer"]),
    ("refresh token: RNG + SHA-256", ["RefreshTokenGenerator"]),
    ("audit entry (JSON details)", ["EfAuditLog"]),
    ("validation (FluentValidation)", ["FluentValidation"]),
    ("authentication (JWT / API key)", ["AuthenticationHandler", "ApiKeyAuthenticat", "JwtBearerHandler", "CachingJsonWebTokenHandler"]),
    ("DI: scope, DbContext, handlers", ["ResolveService", "ServiceProvider", "DbContext..ctor"]),
    ("job event publish", ["JobEventBus", "LocalJobSubscribers"]),
    ("handler code, rest", ["CommandHandler", "WorkerReports", "JobChangeCommitter"]),
    ("response JSON", ["SystemTextJsonOutputFormatter", "ObjectResultExecutor"]),
    ("request JSON / model binding", ["SystemTextJsonInputFormatter", "ModelBinding", "BodyModelBinder"]),
]


def shares(path, roots):
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    totals = {root: collections.Counter() for root in roots}
    for profile in data["profiles"]:
        stack, last = [], None
        for event in profile["events"]:
            at = event["at"]
            if last is not None and stack:
                names = [frames[i] for i in stack]
                for root in roots:
                    if any(root in name for name in names):
                        label = next((label for label, patterns in CATEGORIES
                                      if any(p in name for name in names for p in patterns)), "ASP.NET pipeline and the rest")
                        totals[root][label] += at - last
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            elif event["frame"] in stack:
                while stack and stack[-1] != event["frame"]:
                    stack.pop()
                stack.pop()
    for root in roots:
        total = sum(totals[root].values())
        print(f"{root}: {total / 1000:.1f} s of request thread time")
        for label, ms in totals[root].most_common():
            print(f"  {100 * ms / max(total, 1e-9):5.1f} %  {label}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shares(sys.argv[1], sys.argv[2:])
