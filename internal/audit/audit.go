// Package audit keeps the append-only, tamper-evident log of what staff
// and the system do (requirements PS-5): every state change, sign-in and
// failure, view of full personal data or of an original photo, export.
// Each row carries the hash of the one before it in its tenant's chain
// (a school, or 0 for the vendor's own actions), so editing, deleting or
// reordering any row breaks every hash after it; Verify names the first.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"zhipai/internal/domain"
	"zhipai/internal/store"
)

// Log appends to and verifies the chains.
type Log struct{ store *store.Store }

// New is the log kept in the store.
func New(st *store.Store) *Log { return &Log{store: st} }

// Record appends an entry to its tenant's chain and returns it with its
// place and hash.
func (l *Log) Record(ctx context.Context, e domain.AuditEntry) (domain.AuditEntry, error) {
	return l.store.AppendAudit(ctx, e, func(e *domain.AuditEntry) { e.Hash = Hash(*e) })
}

// Hash is an entry's link: SHA-256 over the previous link and every field,
// each length-prefixed, so that no two different rows hash alike.
func Hash(e domain.AuditEntry) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	num := func(v int64) { field(fmt.Sprint(v)) }
	field(e.PrevHash)
	num(e.TenantID)
	num(e.Seq)
	num(e.At.UnixMilli())
	num(e.ActorID)
	for _, s := range []string{e.ActorRole, e.IP, e.UA, e.Action, e.Target, e.Before, e.After, e.Reason} {
		field(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Broken is the first row of a chain that does not hold.
type Broken struct {
	TenantID, Seq int64
	Why           string
}

func (b *Broken) Error() string {
	return fmt.Sprintf("audit: chain of tenant %d breaks at row %d: %s", b.TenantID, b.Seq, b.Why)
}

// Verify walks every chain from its first row: each row's sequence number
// follows the last, its previous hash is the last row's hash, and its own
// hash is that of its fields; the head table agrees with the last row. It
// returns the number of rows checked, and a *Broken naming the first row
// that does not hold.
func (l *Log) Verify(ctx context.Context) (int, error) {
	tenants, err := l.store.AuditTenants(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tenants {
		var seq int64
		prev := ""
		for {
			rows, err := l.store.AuditRows(ctx, t, seq, 1000)
			if err != nil {
				return n, err
			}
			for _, e := range rows {
				n++
				switch {
				case e.Seq != seq+1:
					return n, &Broken{t, seq + 1, fmt.Sprintf("row %d is missing (the next is %d)", seq+1, e.Seq)}
				case e.PrevHash != prev:
					return n, &Broken{t, e.Seq, "its previous hash is not the hash of the row before"}
				case Hash(e) != e.Hash:
					return n, &Broken{t, e.Seq, "its contents do not match its hash (edited)"}
				}
				seq, prev = e.Seq, e.Hash
			}
			if len(rows) < 1000 {
				break
			}
		}
		headSeq, headHash, err := l.store.AuditHead(ctx, t)
		if err != nil {
			return n, err
		}
		if headSeq != seq || headHash != prev {
			return n, &Broken{t, seq + 1, fmt.Sprintf("the chain ends at row %d but its head says %d (rows removed from the end)", seq, headSeq)}
		}
	}
	return n, nil
}
