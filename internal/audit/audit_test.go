package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"zhipai/internal/audit"
	"zhipai/internal/domain"
	"zhipai/internal/store"
	"zhipai/internal/store/storetest"
)

// TestChain: rows chain per tenant and verify; editing a row, removing
// one in the middle or at the end, or swapping two, is found and named.
// Concurrent appends never fork a chain. Both engines.
func TestChain(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fresh := func(t *testing.T) *audit.Log {
			l := audit.New(st)
			if _, err := st.DB().ExecContext(ctx, `DELETE FROM audit_log`); err != nil {
				t.Fatal(err)
			}
			st.DB().ExecContext(ctx, `DELETE FROM audit_heads`)
			done := make(chan error, 20)
			for i := range 20 {
				go func() {
					_, err := l.Record(ctx, domain.AuditEntry{TenantID: int64(i % 2), Action: "test", Target: fmt.Sprint("row-", i), ActorRole: "cli"})
					done <- err
				}()
			}
			for range 20 {
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			if n, err := l.Verify(ctx); err != nil || n != 20 {
				t.Fatalf("verify: %d rows, %v", n, err)
			}
			return l
		}
		for _, c := range []struct {
			name, sql string
			seq       int64
		}{
			{"edited", `UPDATE audit_log SET target = 'other' WHERE tenant_id = 1 AND seq = 4`, 4},
			{"removed in the middle", `DELETE FROM audit_log WHERE tenant_id = 1 AND seq = 6`, 6},
			{"removed at the end", `DELETE FROM audit_log WHERE tenant_id = 1 AND seq = 10`, 10},
			{"rehashed but not relinked", `UPDATE audit_log SET prev_hash = 'x' WHERE tenant_id = 1 AND seq = 2`, 2},
		} {
			t.Run(c.name, func(t *testing.T) {
				l := fresh(t)
				if _, err := st.DB().ExecContext(ctx, c.sql); err != nil {
					t.Fatal(err)
				}
				_, err := l.Verify(ctx)
				var b *audit.Broken
				if !errors.As(err, &b) || b.TenantID != 1 || b.Seq != c.seq {
					t.Fatalf("verify: %v, want tenant 1 row %d", err, c.seq)
				}
			})
		}
	})
}
