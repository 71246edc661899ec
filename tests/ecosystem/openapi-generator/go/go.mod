// The Go scenario for the client openapi-generator's `go` generator makes from
// liaison's OpenAPI document. ../../openapi-generator.sh copies this folder to
// .cache/openapi-generator/go/scenario/, the generated package beside it as
// ./liaison, and builds it offline (GOPROXY=off): the generated client's one
// dependency outside the standard library, golang.org/x/oauth2, and its own
// (golang.org/x/net), come from Debian's golang-golang-x-oauth2-dev and
// golang-golang-x-net-dev, as source under /usr/share/gocode. No go.sum: a
// module replaced by a directory has no checksum to check.
module liaison-oag-scenario

go 1.19

require (
	golang.org/x/net v0.7.0 // indirect
	golang.org/x/oauth2 v0.3.0
)

replace golang.org/x/oauth2 => /usr/share/gocode/src/golang.org/x/oauth2

replace golang.org/x/net => /usr/share/gocode/src/golang.org/x/net
