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
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/rowgate"]
CMD ["serve"]
