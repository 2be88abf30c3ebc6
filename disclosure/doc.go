// Package disclosure keeps what the server publishes from giving back the people in the data
// (sync.md "Protecting the people in the data", indicators.md "Disclosure control of published
// cells"):
//
//   - Keys: the per-deployment secret (made at first start, kept in the data dir) and the keyed
//     digests (HMAC-SHA256) derived from it for every stored key or hash of an answer, so that a
//     dictionary of names is useless without the secret;
//   - Displace: the DHS-style displaced point of a PSU, the same for every reader and every
//     request, drawn from the secret and the PSU;
//   - Suppress: secondary cell suppression over every one- and two-dimension table of an
//     indicator, so that no suppressed cell can be derived from published cells.
//
// It does not import PocketBase: hooks/ wires it to the routes and record events.
package disclosure
