# The action's image: a static binary on an empty base. GitHub builds it from this file for
# `runs.image: Dockerfile`; a release can pin a prebuilt image instead (README, "Releases").

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ENV CARGO_TERM_COLOR=never \
    RUSTFLAGS="-C target-feature=+crt-static"
# The crates first, in a layer of their own, from the manifests alone: the workspace's other
# members (the local service, the test suite) are named there with explicit target paths,
# so cargo loads them without their sources, and the action's build below compiles none of
# their code or dependencies.
COPY Cargo.toml Cargo.lock ./
COPY fc-local/Cargo.toml fc-local/
COPY tests/Cargo.toml tests/
RUN cargo fetch --locked --target x86_64-unknown-linux-gnu
COPY src ./src
RUN cargo build --release --locked --offline -p fc-layer-action --bin fc-layer-action \
        --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/fc-layer-action /fc-layer-action \
    && mkdir -m 1777 /scratch-tmp

FROM scratch
# Root certificates for HTTPS to FC; the binary reads the system bundle.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /fc-layer-action /fc-layer-action
# A writable /tmp, where a large layer is zipped when RUNNER_TEMP is not mounted.
COPY --from=build /scratch-tmp /tmp
# Exec form: no shell, which would drop the INPUT_LAYER-NAME style variables.
ENTRYPOINT ["/fc-layer-action"]
