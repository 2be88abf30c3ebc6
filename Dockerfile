# fieldbase: a static binary (PocketBase's SQLite driver is pure Go, so CGO stays off).
FROM golang:1.27 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/fieldbase .

FROM alpine:3.22
RUN apk add --no-cache ca-certificates wget \
 && addgroup -S fieldbase && adduser -S -G fieldbase -h /app fieldbase \
 && mkdir -p /pb_data && chown fieldbase:fieldbase /pb_data
COPY --from=build /out/fieldbase /usr/local/bin/fieldbase
USER fieldbase
VOLUME ["/pb_data"]
EXPOSE 8090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD wget -qO- http://127.0.0.1:8090/api/health || exit 1
ENTRYPOINT ["/usr/local/bin/fieldbase"]
CMD ["serve", "--http=0.0.0.0:8090", "--dir=/pb_data"]
