# Redis for docker/compose.yaml's cluster profile: Debian 12's own redis-server on the same
# debian:bookworm-slim base as the chat-server image, so nothing has to come from a registry
# beyond that base. Built by compose (`--profile cluster up --build`), or by hand:
#
#   docker build -f docker/redis.Dockerfile -t chat-redis docker
#
# Data lives in /data (a volume in compose.yaml): the append-only file, plus the snapshot
# Redis writes on shutdown. scripts/verify-container lints and builds this file too.
FROM debian:bookworm-slim

LABEL org.opencontainers.image.title="chat-redis" \
      org.opencontainers.image.description="Debian 12's redis-server, for chat-server's cluster mode"

# The redis user first, with fixed ids (in the system range, so the package's postinst adopts it),
# so that USER below is numeric. redis-server brings redis-tools (redis-cli, for the health check).
# Unpinned on purpose, like the chat-server image: the stable archive carries security fixes.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 redis \
 && useradd --system --uid 999 --gid redis --no-create-home --home-dir /var/lib/redis \
            --shell /usr/sbin/nologin redis \
 && apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis -m 0750 /data

# A new named volume on /data takes the owner of the image's /data: redis.
USER 999:999
WORKDIR /data
VOLUME /data
EXPOSE 6379

HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["sh", "-c", "redis-cli ping | grep -qx PONG"]

# redis-server handles SIGTERM as PID 1: it saves and exits.
STOPSIGNAL SIGTERM

# No config file: the flags below are the whole configuration. Every interface inside the container
# (only the compose network reaches it: no port is published), no protected mode, since
# there is no password; append-only persistence, fsync once a second.
ENTRYPOINT ["redis-server"]
CMD ["--bind", "0.0.0.0", "--port", "6379", "--protected-mode", "no", "--dir", "/data", \
     "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no", "--logfile", ""]
