// Package student serves the student's pages: one small H5 app in plain
// HTML, CSS and JavaScript over the JSON API, embedded in the binary (no
// Node build), mobile first (360 px) and in Chinese.
package student

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Register mounts the pages at / and their files at /assets/.
func Register(mux *http.ServeMux) {
	files, _ := fs.Sub(static, "static")
	assets := http.FileServerFS(files)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", cacheFor(assets)))
	index, _ := fs.ReadFile(files, "index.html")
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(index)
	})
}

// cacheFor lets browsers keep the assets for an hour: the pages are small
// and a new release is picked up soon.
func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
