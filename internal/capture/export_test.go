package capture

// Waiting counts the uploads with a registered finish signal (tests).
func (s *Service) Waiting() int { return s.waiting.count() }
