"""A cdk8s app in Python using cdk8s-distributed-patterns from its jsii wheel.

The tier-2 test synthesizes the same app in TypeScript and compares the YAML byte for byte.
"""
import sys

from cdk8s import App, Chart, Size, YamlOutputType
import cdk8s_plus_27 as kplus

from cdk8s_distributed_patterns import (
    AmbassadorShardedRedis,
    AppContainerProps,
    CacheEngine,
    RedisAuth,
    ShardedCache,
    ShardedCacheProxy,
    TwemproxyHash,
)

outdir = sys.argv[1]
app = App(outdir=outdir, yaml_output_type=YamlOutputType.FILE_PER_APP)
chart = Chart(app, "python-proof", namespace="python-proof")
secret = kplus.Secret.from_secret_name(chart, "auth", "redis-auth")
redis = AmbassadorShardedRedis(
    chart,
    "sharded-redis",
    shards=4,
    max_memory=Size.mebibytes(128),
    auth=RedisAuth.from_secret(secret, "password"),
    hash=TwemproxyHash.MURMUR,
    hash_tag="{}",
    app=AppContainerProps(image="redis:7.2.5-alpine", uid=999, gid=1000, command=["sleep", "infinity"]),
)
ShardedCache(chart, "cache", shards=3, engine=CacheEngine.MEMCACHED, proxy=ShardedCacheProxy.shared_tier(replicas=2))

# The model is usable from Python too.
plan = redis.plan_resize(5)
print(f"server for user:42 = {redis.hashing.server_for('user:42')}; resize 4->5 moves {plan.moved_fraction:.4f}")
app.synth()
