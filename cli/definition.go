package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fieldbase/xlsform"
)

// readDefinition reads a survey definition: JSON as is, an XLSForm workbook converted.
func readDefinition(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read survey: %w", err)
	}
	if low := strings.ToLower(path); strings.HasSuffix(low, ".xlsx") || strings.HasSuffix(low, ".xls") {
		// pyxform's rules; without a settings sheet the form_id is the file name.
		return xlsform.ToJSONFile(b, filepath.Base(path))
	}
	return b, nil
}
