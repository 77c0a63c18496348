using System.Net;
using System.Net.Sockets;

namespace Platform.AppHost.Orchestration;

internal static class FreePorts
{
    /// <summary>Distinct free loopback ports (all held open while choosing, so none is handed out twice).</summary>
    public static Queue<int> Allocate(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return new Queue<int>(listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port));
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
