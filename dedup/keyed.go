package dedup

import (
	"bytes"
)

// Keyed makes keyed digests: HMAC-SHA256 under the deployment's secret (disclosure.Keys).
// Every stored key or hash of an answer goes through one, so that a list of names, or the
// answers an analyst can read, cannot be hashed and matched against the stored values.
type Keyed interface {
	Digest(purpose string, data []byte) string
}

// Purposes of the keyed digests: one per kind, so that equal inputs of two kinds never give
// equal digests.
const (
	purposeHead    = "fieldbase/head-name/v2"
	purposeContent = "fieldbase/content/v2"
	purposeRaw     = "fieldbase/raw-item/v2"
)

// HeadKeyWith is the stored key of a head's name: the keyed digest of the normalised name
// ("" for a name that normalises to nothing, which never matches).
func HeadKeyWith(k Keyed, name string) string {
	n := NormaliseName(name)
	if n == "" {
		return ""
	}
	return k.Digest(purposeHead, []byte(n))
}

// ContentHashWith is the stored content hash of an answers object: the keyed digest of
// Canonical(data).
func ContentHashWith(k Keyed, data map[string]any) (hash string) {
	withCanonical(data, func(b []byte) { hash = k.Digest(purposeContent, b) })
	return hash
}

// RawHashWith is the stored hash of a pushed item's exact bytes (surrounding white space
// aside), by which a byte-identical resend is recognised without parsing it.
func RawHashWith(k Keyed, raw []byte) string {
	return k.Digest(purposeRaw, bytes.TrimSpace(raw))
}

// HouseholdWith is Household with the head's name keyed by k.
func (ro Roles) HouseholdWith(k Keyed, id string, data map[string]any) Household {
	h := ro.Household(id, data)
	h.HeadKey = ""
	if name, ok := data[ro.HeadName].(string); ok && ro.HeadName != "" {
		h.HeadKey = HeadKeyWith(k, name)
	}
	return h
}
