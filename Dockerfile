# Build a static binary, then ship it alone on a minimal non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
    -o /out/rowgate ./cmd/rowgate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rowgate /usr/local/bin/rowgate
USER nonroot:nonroot
# The API listens on 3000; /live, /ready and /metrics on the admin port.
ENV PGRST_ADMIN_SERVER_PORT=3001
EXPOSE 3000 3001
# The image has no shell or curl: the binary asks its own admin port.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/rowgate", "health"]
# Give requests in flight time to finish (server-shutdown-timeout) on stop.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rowgate"]
CMD ["serve"]
