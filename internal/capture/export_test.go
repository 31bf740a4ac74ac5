package capture

// Heard is how many finished uploads the database announced.
func (s *Service) Heard() int64 { return s.heard.Load() }
