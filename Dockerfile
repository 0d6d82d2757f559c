# syntax=docker/dockerfile:1
# The `ccm` operator CLI as a container image, for the scheduled Identity Center sync (ECS Fargate,
# infra/template.yaml: `ccm sync --all-customers --log-format json`) or any operator host.
#
#   docker buildx build --platform linux/arm64 -t ccm:latest .       (Graviton, the deploy default)
#   docker buildx build --platform linux/amd64 -t ccm:latest .
#
# A static binary (musl, rustls: no OpenSSL, no libc at run time) on distroless/static, run as the
# image's non-root user 65532 with a read-only root filesystem in ECS. Not built in this project's CI:
# the development machines have no container engine (docs/deploy.md, "Known limits here").

FROM rust:1.95-bookworm AS build
ARG TARGETARCH
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools cmake \
    && rm -rf /var/lib/apt/lists/*
RUN case "$TARGETARCH" in \
      amd64) echo x86_64-unknown-linux-musl ;; \
      arm64) echo aarch64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH=$TARGETARCH" >&2; exit 1 ;; \
    esac > /rust-target \
    && rustup target add "$(cat /rust-target)"
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release -p ccm-cli --bin ccm --target "$(cat /rust-target)" \
    && cp "target/$(cat /rust-target)/release/ccm" /ccm

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /ccm /usr/local/bin/ccm
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/ccm"]
CMD ["--help"]
