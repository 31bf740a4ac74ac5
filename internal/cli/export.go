package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"zhipai/internal/app"
	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/staff"
)

// runExport writes a campaign's approved photos as a ZIP (what the
// console's export job builds), audited as the command line's.
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	college := fs.String("college", "", "only this college")
	class := fs.String("class", "", "only this class")
	name := fs.String("name", "{学号}.jpg", "file-name template: {身份证号} {学号} {考生号} {报名号} {姓名} {学院} {专业} {班级} {学校标识码}")
	folders := fs.Bool("folders", false, "put the photos in 学院/专业/班级 folders")
	since := fs.Bool("since-last", false, "only photos not in an earlier export")
	out := fs.String("o", "", "the ZIP file to write (required)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *campaign == 0 || *out == "" {
		fmt.Fprintln(stderr, "usage: zhipai export --campaign ID [--college C] [--class K] [--name '{学号}.jpg'] [--folders] [--since-last] -o FILE.zip")
		return exitUsage
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		c, err := a.Store.Campaign(ctx, *campaign)
		if err != nil {
			return fail(stderr, fmt.Errorf("campaign %d: %w", *campaign, err))
		}
		// The command line acts as the platform's operator, for this
		// campaign's school.
		who := staff.Staff{User: domain.StaffUser{Login: "cli", Role: domain.RolePlatformAdmin}, Scope: domain.Scope{Vendor: true, SupportSchools: []int64{c.SchoolID}}}
		f, err := os.OpenFile(*out+".part", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return fail(stderr, err)
		}
		res, err := a.Manage.WriteExport(ctx, who, manage.ExportParams{CampaignID: c.ID, College: *college, Class: *class, Name: *name, Folders: *folders, SinceLast: *since},
			f, staff.Where{IP: "cli"})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out + ".part")
			return fail(stderr, publicOr(err))
		}
		if err := os.Rename(*out+".part", *out); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "%s: %d photos with the index file 索引.xlsx and SHA256SUMS; check with: unzip, then sha256sum -c SHA256SUMS\n", *out, res.Files)
		for _, s := range res.Skipped {
			fmt.Fprintf(stdout, "  skipped: %s\n", s)
		}
		return exitOK
	})
}
