package indicators

import (
	"sync"
	"testing"

	"fieldbase/form"
	"fieldbase/schemas"
)

var (
	mhsOnce sync.Once
	mhsSv   *form.Survey
	mhsCat  *Catalog
	mhsErr  error
)

// mhs returns the shipped survey and catalog, loaded once.
func mhs(t testing.TB) (*form.Survey, *Catalog) {
	t.Helper()
	mhsOnce.Do(func() {
		mhsSv, mhsErr = form.Load(schemas.MHS)
		if mhsErr == nil {
			mhsCat, mhsErr = LoadPooled(schemas.Indicators, mhsSv)
		}
	})
	if mhsErr != nil {
		t.Fatal(mhsErr)
	}
	return mhsSv, mhsCat
}
