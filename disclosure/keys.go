package disclosure

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretFile is the name of the secret's file in the data dir. PocketBase's backups zip the
// whole data dir, so every backup carries the secret with the data it keys.
const SecretFile = "fieldbase.secret"

// secretLen is the secret's length in bytes (256 bits, the HMAC-SHA256 block's strength).
const secretLen = 32

// Keys derives the keyed digests of one deployment from its secret. The zero value is not
// usable: make one with New or LoadOrCreate.
type Keys struct {
	secret []byte
}

// New returns the keys of a secret of at least 16 bytes.
func New(secret []byte) (*Keys, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("disclosure: a secret of %d bytes is too short (at least 16)", len(secret))
	}
	return &Keys{secret: append([]byte{}, secret...)}, nil
}

// LoadOrCreate reads the secret of the data dir dir, making one (random, file mode 0600) when
// there is none yet. created says that this call made it: the stored digests, if any, were
// made under another secret (or none) and must be recomputed.
func LoadOrCreate(dir string) (k *Keys, created bool, err error) {
	path := filepath.Join(dir, SecretFile)
	if k, err := load(path); err == nil {
		return k, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	secret := make([]byte, secretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("disclosure: no randomness for the secret: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, fmt.Errorf("disclosure: data dir: %w", err)
	}
	// Written under a temporary name, then linked into place: two processes starting at once
	// cannot both make a secret, and a crash never leaves half a secret behind.
	tmp, err := os.CreateTemp(dir, SecretFile+".tmp*")
	if err != nil {
		return nil, false, fmt.Errorf("disclosure: writing the secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("disclosure: writing the secret: %w", err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("disclosure: writing the secret: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("disclosure: writing the secret: %w", err)
	}
	tmp.Close()
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its secret
			k, err := load(path)
			return k, false, err
		}
		return nil, false, fmt.Errorf("disclosure: writing the secret: %w", err)
	}
	k, err = New(secret)
	return k, true, err
}

func load(path string) (*Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("disclosure: %s is not a hex secret: %w", path, err)
	}
	k, err := New(secret)
	if err != nil {
		return nil, fmt.Errorf("disclosure: %s: %w", path, err)
	}
	return k, nil
}

// Digest is the hex HMAC-SHA256 of data under the secret, for one purpose: the same data
// digested for two purposes gives unrelated values, so a digest of one kind never matches
// (or reveals) one of another.
func (k *Keys) Digest(purpose string, data []byte) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// Fingerprint names the secret without revealing it: stored next to the digests, it tells
// whether they were made under this secret.
func (k *Keys) Fingerprint() string {
	return k.Digest("fieldbase/fingerprint/v1", nil)[:16]
}

// stream returns n pseudo-random 64-bit words drawn from the secret for one purpose and
// subject (a PSU): the same for every call, unpredictable without the secret.
func (k *Keys) stream(purpose string, subject []byte, n int) []uint64 {
	out := make([]uint64, 0, n)
	for block := uint32(0); len(out) < n; block++ {
		m := hmac.New(sha256.New, k.secret)
		m.Write([]byte(purpose))
		m.Write([]byte{0})
		m.Write(subject)
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], block)
		m.Write(b[:])
		sum := m.Sum(nil)
		for i := 0; i+8 <= len(sum) && len(out) < n; i += 8 {
			out = append(out, binary.BigEndian.Uint64(sum[i:]))
		}
	}
	return out
}

// unit maps a 64-bit word to [0, 1).
func unit(w uint64) float64 {
	return float64(w>>11) / (1 << 53)
}
