# syntax=docker/dockerfile:1
# The chathub image, for docker-compose.yml and k8s/. Built once per release;
# every compose service and Kubernetes workload runs this same image.
#
#   docker build -t chathub:0.1.0 .
#
# The binary links only glibc and libgcc_s (no libpq, no OpenSSL: rustls and
# a pure-Rust Postgres driver), so a distroless runtime without a shell fits.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Dependency layer: built from the manifests and empty sources, so it is
# reused until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src/bin/chathub-load \
 && echo 'fn main() {}' > src/main.rs \
 && echo 'fn main() {}' > src/bin/chathub-load/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --bin chathub \
 && rm -rf src
# The real sources; touched so cargo rebuilds them over the empty ones.
COPY src ./src
COPY migrations ./migrations
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --bin chathub

# Distroless: glibc, CA certificates, a non-root user (65532), no shell.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/chathub /usr/local/bin/chathub
USER 65532:65532
# MIMALLOC_ALLOW_THP=0: the binary's allocator (mimalloc, built without
# asking for transparent huge pages) also turns them off for the process on
# hosts whose THP setting is `always`, where the kernel would back its
# arenas with 2 MiB pages anyway: an idle WebSocket took 34 KiB with them,
# 20 without (README, Benchmarks).
ENV CHATHUB_LISTEN=0.0.0.0:8080 \
    CHATHUB_LOG_FORMAT=json \
    MIMALLOC_ALLOW_THP=0
EXPOSE 8080
# Exec form: `chathub healthcheck` asks /healthz itself (no shell, no curl).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/chathub", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/chathub"]
