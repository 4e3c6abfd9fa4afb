package sampler

// Options choose what the default sources report.
type Options struct {
	// AllFilesystems includes read-only images such as snap squashfs mounts.
	AllFilesystems bool
}

// DefaultSources returns the machine's sources: host, CPU, memory,
// filesystems, disks and network.
func DefaultSources(o Options) []Source {
	return []Source{
		&hostSource{},
		&cpuSource{},
		memorySource{},
		&filesystemSource{ShowAll: o.AllFilesystems},
		&diskSource{},
		&networkSource{},
	}
}
