package main

// FerretDB 1.x applies an update as read, modify in Go, write back, with nothing to stop
// another command changing the document in between: of 300 concurrent $inc on one document,
// 45 survived when we measured it. MongoDB applies each single-document update atomically,
// and Jitsuin relies on that (optimistic concurrency on a version field, the outbox). So the
// server we start puts a proxy in front of FerretDB that lets one write command run at a
// time. SQLite takes one writer at a time anyway, so little is lost; reads are not held up.

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	opMsg       = 2013
	headerBytes = 16
	// MongoDB's own limit for one message from a client.
	maxMessageBytes = 48 * 1000 * 1000
	// OP_MSG flag: the sender expects no reply.
	flagMoreToCome = 1 << 1
)

var writeCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true,
	"create": true, "createIndexes": true, "drop": true, "dropIndexes": true, "dropDatabase": true,
}

// writeLock is held from the moment a write command is forwarded until its reply returns.
type writeLock struct{ mu sync.Mutex }

// serveWithWriteLock accepts clients on ln and connects each to the FerretDB at backend.
func serveWithWriteLock(ln net.Listener, backend func() (net.Conn, error), logger *slog.Logger) error {
	lock := &writeLock{}
	for {
		client, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		server, err := backend()
		if err != nil {
			logger.Error("cannot reach FerretDB", "err", err)
			client.Close()
			continue
		}
		go proxy(client, server, lock)
	}
}

// proxy relays one client connection. A driver sends one request at a time on a connection
// and waits for its reply, so "the reply to the write we hold the lock for" is well defined.
func proxy(client, server net.Conn, lock *writeLock) {
	var (
		mu      sync.Mutex
		holding bool
		waitFor int32
	)
	release := func() {
		mu.Lock()
		defer mu.Unlock()
		if holding {
			holding = false
			lock.mu.Unlock()
		}
	}
	defer release()
	defer client.Close()
	defer server.Close()

	done := make(chan struct{}, 2)
	go func() { // server -> client
		defer func() { done <- struct{}{} }()
		header := make([]byte, headerBytes)
		for {
			// Replies are streamed through, not held: FerretDB's can be far larger than MongoDB's.
			if _, err := io.ReadFull(server, header); err != nil {
				return
			}
			length := int64(binary.LittleEndian.Uint32(header[0:4]))
			responseTo := int32(binary.LittleEndian.Uint32(header[8:12]))
			if length < headerBytes {
				return
			}
			if _, err := client.Write(header); err != nil {
				return
			}
			if _, err := io.CopyN(client, server, length-headerBytes); err != nil {
				return
			}
			mu.Lock()
			mine := holding && responseTo == waitFor
			mu.Unlock()
			if mine {
				release()
			}
		}
	}()
	go func() { // client -> server
		defer func() { done <- struct{}{} }()
		for {
			msg, err := readMessage(client)
			if err != nil {
				return
			}
			write, expectsReply := classify(msg)
			if write {
				lock.mu.Lock()
				mu.Lock()
				holding, waitFor = true, int32(binary.LittleEndian.Uint32(msg[4:8]))
				mu.Unlock()
			}
			if _, err := server.Write(msg); err != nil {
				return
			}
			if write && !expectsReply {
				release()
			}
		}
	}()
	<-done
}

func readMessage(r io.Reader) ([]byte, error) {
	header := make([]byte, headerBytes)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, err
	}
	length := int(binary.LittleEndian.Uint32(header[0:4]))
	if length < headerBytes || length > maxMessageBytes {
		return nil, errors.New("message length out of range")
	}
	msg := make([]byte, length)
	copy(msg, header)
	if _, err := io.ReadFull(r, msg[headerBytes:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// classify tells whether msg is an OP_MSG write command, and whether a reply will follow.
// The command name is the first key of the body section (kind 0).
func classify(msg []byte) (write, expectsReply bool) {
	if int32(binary.LittleEndian.Uint32(msg[12:16])) != opMsg || len(msg) < headerBytes+4+1+4+1 {
		return false, true
	}
	flags := binary.LittleEndian.Uint32(msg[16:20])
	expectsReply = flags&flagMoreToCome == 0
	// Sections follow the flags; the body is the one of kind 0.
	for at := 20; at < len(msg); {
		kind := msg[at]
		at++
		if at+4 > len(msg) {
			return false, expectsReply
		}
		size := int(binary.LittleEndian.Uint32(msg[at : at+4]))
		if kind == 0 {
			// BSON document: int32 size, then elements of type byte, cstring name, value.
			nameStart := at + 4 + 1
			for end := nameStart; end < len(msg) && end < at+size; end++ {
				if msg[end] == 0 {
					return writeCommands[string(msg[nameStart:end])], expectsReply
				}
			}
			return false, expectsReply
		}
		if size < 4 {
			return false, expectsReply
		}
		at += size
	}
	return false, expectsReply
}
