package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// extraRoutes binds the read-side routes (indicators, export) added by later packages.
func (s *Server) extraRoutes(api *router.RouterGroup[*core.RequestEvent]) {}
