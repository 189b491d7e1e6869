module github.com/gorump/gorump

go 1.26
