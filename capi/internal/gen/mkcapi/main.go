// Command mkcapi writes capi's generated files (see package gen); run it
// from the capi directory, as go generate does.
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/gorump/gorump/capi/internal/gen"
)

func main() {
	files, err := gen.Files()
	if err != nil {
		log.Fatal(err)
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
