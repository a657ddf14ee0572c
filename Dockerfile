# The action's image: a static binary on an empty base. GitHub builds it from this file for
# `runs.image: Dockerfile`; a release can pin a prebuilt image instead (README, "Releases").

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
ENV CARGO_TERM_COLOR=never \
    RUSTFLAGS="-C target-feature=+crt-static"
# Dependencies first, in a layer of their own: a change to src/ alone does not rebuild them.
# Cargo.toml names test and bench targets (for their required features), and cargo wants
# their files to exist; emptied here, since the image builds neither.
COPY Cargo.toml Cargo.lock ./
COPY tests/*.rs tests/
COPY bench/*.rs bench/
RUN for target in tests/*.rs bench/*.rs; do : > "$target"; done \
    && mkdir -p src/bin \
    && echo 'fn main() {}' > src/main.rs \
    && echo 'fn main() {}' > src/bin/fc-local.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --no-default-features \
        --target x86_64-unknown-linux-gnu --bin fc-layer-action \
    && rm -rf src
COPY src ./src
# `touch`: the real sources may be older than the placeholder build's outputs.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --no-default-features \
        --target x86_64-unknown-linux-gnu --bin fc-layer-action \
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
