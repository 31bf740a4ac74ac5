package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"zhipai/internal/photo"
	"zhipai/internal/quality"
)

func runIDCard(args []string, stdout, stderr io.Writer) int {
	subs := map[string]func([]string, io.Writer, io.Writer) int{"check": idcardCheck}
	return subcommand("idcard", subs, []string{"check"}, args, stdout, stderr)
}

// idcardCheck checks a photo of an identity card: the card found with all
// four corners in the frame, sharp, without glare, the side asked for.
func idcardCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai idcard check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	side := fs.String("side", quality.SideFront, "the side the photo must show: front （人像面） or back （国徽面）")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhipai idcard check [--side front|back] [--json] FILE")
		fmt.Fprintln(stderr, "Exit status: 0 acceptable, 1 a blocking finding, 2 usage.")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagErr(err)
	}
	if len(pos) != 1 || (*side != quality.SideFront && *side != quality.SideBack) {
		fs.Usage()
		return exitUsage
	}
	data, err := readLimited(pos[0], photo.DefaultConfig().MaxBytes)
	env, err2 := openPhotoEnv("chsi")
	if err2 != nil {
		return fail(stderr, err2)
	}
	defer env.Close()
	var rep *quality.CardReport
	if err == nil {
		img, _, derr := env.ph.Pipeline.Decode(data)
		err = derr
		if err == nil {
			rep = env.ph.Checker.CheckIDCard(img, *side)
		}
	}
	if err != nil {
		pe := photo.AsError(err)
		rep = &quality.CardReport{Findings: []photo.Finding{{Code: pe.Code, Reason: "R21", Severity: "block", Message: pe.Message}}}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		fmt.Fprintf(stdout, "%s (side %s): card found %v, area %.0f%%, sharpness %.2f, glare %.3f, detected side %q\n",
			pos[0], *side, rep.Found, 100*rep.AreaShare, rep.Sharpness, rep.Glare, rep.Side)
		if len(rep.Findings) == 0 {
			fmt.Fprintln(stdout, "  no findings: the card photo is acceptable")
		}
		printFindings(stdout, rep.Findings)
	}
	if quality.Blocking(rep.Findings) {
		return exitRefused
	}
	return exitOK
}
