# Shared by the CGI programs: the query's parameters, URL-decoded, and replies.
param() {
  # `httpd -d` is busybox's URL decoder.
  httpd -d "$(printf '%s\n' "$QUERY_STRING" | tr '&' '\n' | sed -n "s/^$1=//p" | head -n 1)"
}
reply() {
  printf 'Status: %s\r\nContent-Type: text/plain\r\n\r\n%s\n' "$1" "$2"
}
redis() {
  redis-cli -h "${REDIS_HOST:-db}" -p "${REDIS_PORT:-6379}" --raw "$@" 2>&1
}
