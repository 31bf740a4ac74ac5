package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"zhipai/internal/eval"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/quality"
	"zhipai/internal/raster"
)

func runIDCard(args []string, stdout, stderr io.Writer) int {
	subs := map[string]func([]string, io.Writer, io.Writer) int{"check": idcardCheck, "eval": idcardEval, "faces": idcardFaces}
	return subcommand("idcard", subs, []string{"check", "eval", "faces"}, args, stdout, stderr)
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
		if t := rep.Text; t != nil && *side == quality.SideFront {
			fmt.Fprintf(stdout, "  read: name %q (confidence %.2f), number %q (confidence %.2f)\n", t.Name, t.NameConf, t.Number, t.NumberConf)
		} else if t != nil {
			to := t.ValidTo.Format("2006.01.02")
			if t.LongTerm {
				to = "长期"
			}
			fmt.Fprintf(stdout, "  read: valid %s-%s (confidence %.2f)\n", t.ValidFrom.Format("2006.01.02"), to, t.ValidConf)
		}
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

// idcardEval measures the card reading on rendered specimen cards of
// made-up people (never a real document), photographed as students do
// (synth.CardSnapshot): the share of cards whose number, name and validity
// period are read right, and the time per card (both sides, checks and
// decoding included, one at a time).
func idcardEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai idcard eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("cards", 200, "how many cards")
	seed := fs.Uint64("seed", 1, "the first card's seed (the run is repeatable)")
	portrait := fs.String("portrait", "testdata/astronaut.png", "PNG portrait for the cards' front")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	face, err := readPNG(*portrait)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	env, err := openPhotoEnv("chsi")
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	var number, name, valid, refused, verified, accepted, impostors, caught int
	var took time.Duration
	for i := range *n {
		s := *seed + uint64(i)
		p := synth.RandomPerson(s)
		var shots [2][]byte
		for k, front := range []bool{true, false} {
			card, err := synth.IDCardText(front, face, p, s)
			if err == nil {
				shots[k], err = synth.CardSnapshot(card, s*2+uint64(k))
			}
			if err != nil {
				return fail(stderr, err)
			}
		}
		// As the identity step checks a card: for the typed name, here the
		// printed one.
		start := time.Now()
		var reps [2]*quality.CardReport
		var front *raster.Image
		for k, side := range []string{quality.SideFront, quality.SideBack} {
			img, _, err := env.ph.Pipeline.Decode(shots[k])
			if err != nil {
				return fail(stderr, err)
			}
			reps[k] = env.ph.Checker.CheckIDCardOf(img, side, p.Name)
			if k == 0 {
				front = img
			}
		}
		took += time.Since(start)
		if reps[0].Text == nil || reps[1].Text == nil {
			refused++
			fmt.Fprintf(stdout, "card %d: refused by the check: %v %v\n", s, codes(reps[0].Findings), codes(reps[1].Findings))
			continue
		}
		f, b := reps[0].Text, reps[1].Text
		if f.NameVerified {
			verified++
		}
		if !f.ContradictsName(p.Name) {
			accepted++
		} else {
			fmt.Fprintf(stdout, "card %d: its own name %q refused (read %q, %.2f)\n", s, p.Name, f.Name, f.NameConf)
		}
		// Someone else's name typed with this card.
		if other := synth.RandomPerson(s + 1000003).Name; other != p.Name {
			impostors++
			if rep := env.ph.Checker.CheckIDCardOf(front, quality.SideFront, other); rep.Text != nil && rep.Text.ContradictsName(other) {
				caught++
			}
		}
		if f.Number == p.Number {
			number++
		} else {
			fmt.Fprintf(stdout, "card %d: number %q (%.2f), printed %q\n", s, f.Number, f.NumberConf, p.Number)
		}
		if f.Name == p.Name {
			name++
		} else {
			fmt.Fprintf(stdout, "card %d: name %q (%.2f), printed %q\n", s, f.Name, f.NameConf, p.Name)
		}
		to := b.ValidTo.Format("2006.01.02")
		if b.LongTerm {
			to = "长期"
		}
		if got := b.ValidFrom.Format("2006.01.02") + "-" + to; got == p.ValidFrom+"-"+p.ValidTo {
			valid++
		} else {
			fmt.Fprintf(stdout, "card %d: validity %q, printed %q\n", s, got, p.ValidFrom+"-"+p.ValidTo)
		}
	}
	pct := func(k int) float64 { return 100 * float64(k) / float64(max(1, *n)) }
	fmt.Fprintf(stdout, "%d rendered cards photographed at angles, blur, glare and JPEG quality 60-95:\n", *n)
	fmt.Fprintf(stdout, "  number read right   %5.1f%%\n  validity read right %5.1f%%\n  name read right     %5.1f%% (read freely: what the identity form is filled in with)\n", pct(number), pct(valid), pct(name))
	fmt.Fprintf(stdout, "  name confirmed      %5.1f%% (checked for the printed name: what the identity step does)\n  own name refused    %5.1f%%\n", pct(verified), 100-pct(accepted))
	fmt.Fprintf(stdout, "  another name typed with the card refused: %d of %d (%.1f%%)\n  refused by the card check %d\n", caught, impostors, 100*float64(caught)/float64(max(1, impostors)), refused)
	fmt.Fprintf(stdout, "  %.0f ms per card (both sides: decoding, card check and reading, one core at a time)\n", float64(took.Milliseconds())/float64(max(1, *n)))
	return exitOK
}

func codes(fs []photo.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// idcardFaces measures the comparison of the card's portrait with the
// photo on public photos of the same people (eval.CompareFaces).
func idcardFaces(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai idcard faces", flag.ContinueOnError)
	fs.SetOutput(stderr)
	folders := fs.String("folders", "celeba_wild", "comma-separated folders of DIR whose photos carry an identity (<n>.attr.json)")
	cards := fs.Int("cards", 400, "how many photos are also printed onto a rendered card and read back")
	impostors := fs.Int("impostors", 10, "impostor pairs per photo")
	seed := fs.Uint64("seed", 1, "seed of the sampling (the run is repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zhipai idcard faces [flags] DIR   (DIR: ../shared/data/photos)")
		fs.PrintDefaults()
	}
	arg, exit, ok := oneArg(fs, args)
	if !ok {
		return exit
	}
	env, err := openPhotoEnv("chsi")
	if err != nil {
		return fail(stderr, err)
	}
	defer env.Close()
	o := eval.FaceOptions{Folders: strings.Split(*folders, ","), Cards: *cards, Impostors: *impostors, Seed: *seed}
	if err := eval.CompareFaces(arg, o, env.ph, stdout); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
