# htut container image for Heroku's container stack (heroku.yml) or any
# Docker host. Two stages: build with the repo's own scripts, run slim.

# ---- build: exactly what tools/test and tools/run do -----------------------
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN tools/setup \
 && cmake --preset release \
 && cmake --build --preset release \
 && strip build/release/htut

# ---- runtime: the binary and the shared libraries it links -----------------
# The package list comes from `ldd build/release/htut`, plus the libraries it
# opens with dlopen on first use (libpq.so.5, libcurl.so.4; see
# core/common/shared_library.hpp), mapped to Debian packages with `dpkg -S`
# (tests/integration/test_deploy_files.py checks it):
#   libcurl.so.4 -> libcurl4, libcrypto.so.3 -> libssl3, libpq.so.5 -> libpq5,
#   libboost_json/url.so.1.81.0 -> libboost-json1.81.0/libboost-url1.81.0,
#   librabbitmq.so.4 -> librabbitmq4, libicuuc.so.72 -> libicu72,
#   libstdc++.so.6 -> libstdc++6, libgcc_s.so.1 -> libgcc-s1, libc.so.6 -> libc6;
# everything else ldd lists comes in as their dependencies.
# ca-certificates: TLS to S3, CloudAMQP (amqps) and Heroku Postgres.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libc6 libgcc-s1 libstdc++6 \
      libcurl4 libssl3 libpq5 librabbitmq4 libicu72 \
      libboost-json1.81.0 libboost-url1.81.0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/release/htut /usr/local/bin/htut
RUN useradd --system --create-home --home-dir /app htut
USER htut
WORKDIR /app
# Heroku sets PORT; htut web listens on 0.0.0.0:$PORT (default 5000).
ENV PORT=5000
EXPOSE 5000
CMD ["htut", "web"]
