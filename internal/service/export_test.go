package service

// Waiting counts the uploads with a registered finish signal (tests).
func (s *Service) Waiting() int {
	s.finished.Lock()
	defer s.finished.Unlock()
	return len(s.finished.m)
}
