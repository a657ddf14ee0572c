# The action's image: a static binary on an empty base. GitHub builds it from this file for
# `runs.image: Dockerfile`; a release can pin a prebuilt image instead (README, "Releases").
# It names no target triple: it builds for the machine it runs on (x86_64 or arm64 runners;
# release.yml builds both, arm64 under QEMU), so `image: Dockerfile` works on either.

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
# The builder's own host triple, passed as --target: with an explicit target, RUSTFLAGS
# (+crt-static) reach the binary but not the build scripts and proc macros, which cannot be
# static. Kept in a file so the build below uses the very triple fetched for.
RUN rustc -vV | sed -n 's/^host: //p' > /rust-target \
    && test -s /rust-target \
    && cargo fetch --locked --target "$(cat /rust-target)"
COPY src ./src
RUN target="$(cat /rust-target)" \
    && cargo build --release --locked --offline -p fc-layer-action --bin fc-layer-action \
        --target "$target" \
    && cp "target/$target/release/fc-layer-action" /fc-layer-action \
    && mkdir -m 1777 /scratch-tmp

FROM scratch
# Root certificates for HTTPS to FC; the binary reads the system bundle.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /fc-layer-action /fc-layer-action
# A writable /tmp, where a large layer is zipped when RUNNER_TEMP is not mounted.
COPY --from=build /scratch-tmp /tmp
# Exec form: no shell, which would drop the INPUT_LAYER-NAME style variables.
ENTRYPOINT ["/fc-layer-action"]
