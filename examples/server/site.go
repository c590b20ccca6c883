package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/examples/server/internal/webui"
	"github.com/scimkit/scim/internal/demo"
)

// logSize is how many requests the provisioning log keeps per company.
const logSize = 300

// maxHeaderBytes bounds a request's header, its request line included.
const maxHeaderBytes = 64 << 10

// site assembles what the demo serves: the SCIM endpoint under
// demo.Prefixes, the web page at /, and Prometheus metrics at /metrics.
// The provisioning log and the metrics are fed by the SCIM handler's
// OnChange and OnRequest hooks; the page's event streams end with ctx.
func site(ctx context.Context, scimMux http.Handler, d *demo.Demo, logger *slog.Logger) (http.Handler, error) {
	plog := webui.NewLog(logSize)
	m := newMetrics()
	d.SCIM.OnChange = plog.OnChange
	d.SCIM.OnRequest = func(ctx context.Context, info scim.RequestInfo) {
		m.observe(ctx, info)
		plog.OnRequest(ctx, info)
	}
	ui, err := webui.New(ctx, webui.Config{
		Companies: d.Companies,
		SignIn:    d.SCIM.SignIn,
		Store:     d.Store,
		Log:       plog,
		SCIMPath:  demo.Prefixes[0],
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	scimLogged := plog.Wrap(scimMux)
	for _, p := range demo.Prefixes {
		mux.Handle(p+"/", scimLogged)
	}
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("/", ui)
	return mux, nil
}
