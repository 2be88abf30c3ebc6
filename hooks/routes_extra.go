package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// extraRoutes binds the read-side routes: indicators and microdata.
func (s *Server) extraRoutes(api *router.RouterGroup[*core.RequestEvent]) {
	api.GET("/indicators", s.indicators)
	api.GET("/indicators/catalog", s.indicatorCatalog)
	api.GET("/indicators/gaps", s.indicatorGaps)
	api.GET("/report", s.profileReport)
	api.GET("/export/microdata", s.exportMicrodata)
}
