module github.com/txpush/txpush

go 1.26
