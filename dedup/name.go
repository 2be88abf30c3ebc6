package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"unicode"
)

// NormaliseName puts a person's name in a form where spelling noise does not
// matter: lower case, simple Latin accents removed (é→e, ñ→n), combining marks
// dropped, punctuation and extra spaces removed, and the words sorted so that
// "Sharma, Ram" and "ram  SHARMA" agree. Letters of other scripts (Devanagari)
// are kept as they are.
func NormaliseName(name string) string {
	var b strings.Builder
	for _, r := range name {
		r = unicode.ToLower(r)
		if f, ok := foldAccent[r]; ok {
			b.WriteString(f)
			continue
		}
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent typed separately: drop it.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			b.WriteRune(r)
		case r == '\'' || r == '’':
			// Apostrophes join ("D'Souza" = "DSouza") rather than split.
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	sort.Strings(words)
	return strings.Join(words, " ")
}

// HeadKey is the value stored for the head's name so that a probable
// duplicate can be found without keeping the raw name next to the flag: a hex
// SHA-256 of the normalised name. An empty name (after normalisation) gives
// "", which never matches. Note: an unsalted hash of a name can be guessed
// from a list of names; it hides the name from casual view, it is not
// anonymisation.
func HeadKey(name string) string {
	n := NormaliseName(name)
	if n == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("fieldbase/head-name/v1\x00" + n))
	return hex.EncodeToString(sum[:])
}

// foldAccent maps the accented Latin letters that show up in romanised names
// to plain letters. Lower case only: input is lowered first.
var foldAccent = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ḍ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n", 'ṅ': "n", 'ṇ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ŕ': "r", 'ř': "r", 'ṛ': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ṣ': "s", 'ß': "ss",
	'ť': "t", 'ṭ': "t", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z", 'ḥ': "h", 'ṃ': "m",
}
