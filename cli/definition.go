package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"fieldbase/xlsform"
)

// readDefinition reads a survey definition: JSON as is, an XLSForm workbook converted.
func readDefinition(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read survey: %w", err)
	}
	if strings.HasSuffix(strings.ToLower(path), ".xlsx") {
		return xlsform.ToJSON(bytes.NewReader(b))
	}
	return b, nil
}
