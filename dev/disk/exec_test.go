package disk

import "os/exec"

func peerCommand(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
