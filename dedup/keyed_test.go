package dedup

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

type hmacKey []byte

func (k hmacKey) Digest(purpose string, data []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(purpose + "\x00"))
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

func TestKeyedDigests(t *testing.T) {
	a, b := hmacKey("secret one, 32 bytes long......."), hmacKey("secret two, 32 bytes long.......")
	if HeadKeyWith(a, "Sharma, Ram") != HeadKeyWith(a, "ram  SHARMA") {
		t.Fatal("spelling noise changes the keyed head key")
	}
	if HeadKeyWith(a, "Ram Sharma") == HeadKeyWith(b, "Ram Sharma") {
		t.Fatal("two secrets give the same head key")
	}
	if HeadKeyWith(a, "Ram Sharma") == HeadKey("Ram Sharma") {
		t.Fatal("the keyed head key equals the unkeyed one")
	}
	if HeadKeyWith(a, " ,, ") != "" {
		t.Fatal("an empty name has a key")
	}
	d1 := map[string]any{"x": 1.5, "y": "a"}
	d2 := map[string]any{"y": "a", "x": 1.50, "z": nil}
	if ContentHashWith(a, d1) != ContentHashWith(a, d2) {
		t.Fatal("the same content hashes differently")
	}
	if ContentHashWith(a, d1) == ContentHashWith(b, d1) || ContentHashWith(a, d1) == ContentHash(d1) {
		t.Fatal("the content hash is not keyed")
	}
	if RawHashWith(a, []byte(" {\"id\":1}\n")) != RawHashWith(a, []byte(`{"id":1}`)) {
		t.Fatal("white space around an item changes its raw hash")
	}
	h := mhsRoles.HouseholdWith(a, "x", map[string]any{"a_head_name": "Ram Sharma", "a_psu": 3})
	if h.HeadKey != HeadKeyWith(a, "Ram Sharma") || h.PSU != 3 {
		t.Fatalf("HouseholdWith: %+v", h)
	}
}
