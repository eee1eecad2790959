using System;
using System.Net.Http;
using System.Net.Sockets;

namespace DaytonaPS.Api;

/// <summary>What a transport failure proves about a request.</summary>
internal static class NetworkFailure
{
    /// <summary>
    /// True when the connection itself could not be made, so not one byte of the request was sent:
    /// refused, host unknown or unreachable. A failure after connecting (a reset, an early end of the
    /// reply) is not: the server may have received the request and acted on it.
    /// </summary>
    public static bool NeverConnected(Exception ex)
    {
        if (ex is not HttpRequestException) return false;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode is SocketError.ConnectionRefused
                    or SocketError.HostNotFound
                    or SocketError.TryAgain
                    or SocketError.NoData
                    or SocketError.HostUnreachable
                    or SocketError.NetworkUnreachable
                    or SocketError.AddressNotAvailable;
            }
        }
        return false;
    }
}
